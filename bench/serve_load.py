#!/usr/bin/env python3
"""Load check for `heft serve`: a burst of 2,000 requests from 20 concurrent clients, mixing every API endpoint.
Prints failures and latency percentiles. Run with the release build:
    swift build -c release --product heft && .fixtures/.venv/bin/python bench/serve_load.py [.build/release/heft]
"""
import json, os, socket, statistics, subprocess, sys, threading, time, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build", "release", "heft")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
server = subprocess.Popen([binary, "serve", "--port", str(port), "--models", os.path.join(root, ".fixtures", "gguf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/api/hardware", timeout=1); break
    except Exception:
        time.sleep(0.1)

requests = [
    ("GET", "/api/inspect?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf", None),
    ("GET", "/api/memory?example=llama-3.1-8b&context=8192&gpu=rtx-4090", None),
    ("POST", "/api/plan/distill", {"teacherParameters": 8030261248, "ratio": 2, "lambda": 2.4}),
    ("POST", "/api/plan/quantize", {"example": "mistral-7b", "budget": "6GB"}),
    ("GET", "/api/models", None),
    ("GET", "/distill", None),
]
TOTAL, CLIENTS = 2000, 20
latencies, failures, lock, counter = [], [], threading.Lock(), [0]


def client():
    while True:
        with lock:
            if counter[0] >= TOTAL:
                return
            index = counter[0]; counter[0] += 1
        method, path, body = requests[index % len(requests)]
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, method=method, headers={"content-type": "application/json"})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except Exception as error:
            ok = False
            with lock: failures.append(f"{path}: {error}")
        with lock:
            latencies.append((time.perf_counter() - start) * 1000)
            if not ok and len(failures) == 0: failures.append(path)


start = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
server.terminate()
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
print(f"{len(latencies)} requests, {CLIENTS} concurrent clients, {len(failures)} failures, {elapsed:.2f} s ({len(latencies) / elapsed:.0f} req/s)")
print(f"latency ms: p50 {q(50):.1f}  p90 {q(90):.1f}  p99 {q(99):.1f}  max {latencies[-1]:.1f}")
sys.exit(1 if failures else 0)
