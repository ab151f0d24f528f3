#!/usr/bin/env python3
"""Load benchmark for `heft serve`: after one warm-up request per endpoint, 2,000 requests from 20 concurrent
clients (one keep-alive HTTP/1.1 connection each) spread over every API endpoint. Prints, per endpoint, the
requests, failures and p50/p90/p99 latency in milliseconds, and the same over all requests.

    bench/serve_load.sh                      (builds the release binary, then runs this)
    python3 bench/serve_load.py BINARY [--requests N] [--clients N]

Latency is measured by the client, from writing the request to reading the whole response, so it includes the
client's own scheduling on the same machine.
"""
import argparse, asyncio, json, os, socket, subprocess, sys, time, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("binary", nargs="?", default=os.path.join(root, ".build", "release", "heft"))
parser.add_argument("--requests", type=int, default=2000)
parser.add_argument("--clients", type=int, default=20)
args = parser.parse_args()

MODEL = "gguf/all-MiniLM-L6-v2.Q4_0.gguf"
# Every API endpoint, each with a request a user makes.
REQUESTS = [
    ("GET", "/api/models", None),
    ("GET", "/api/hardware", None),
    ("GET", "/api/openapi.json", None),
    ("GET", f"/api/inspect?model={MODEL}", None),
    ("POST", "/api/inspect/config", {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
                                     "num_hidden_layers": 32, "num_attention_heads": 32}),
    ("POST", "/api/stats", {"model": MODEL}),
    ("POST", "/api/memory", {"example": "llama-3.1-8b", "context": 8192, "gpu": "rtx-4090"}),
    ("POST", "/api/memory", {"example": "mixtral-8x7b", "train": True, "loraRank": 16, "gpu": "a100-80gb"}),
    ("POST", "/api/plan/distill", {"params": "8B", "ratio": 2, "lambda": 2.4}),
    ("POST", "/api/plan/quantize", {"example": "mistral-7b", "budget": "6GB"}),
    ("POST", "/api/plan/prune", {"example": "llama-2-7b", "dropLayers": 8}),
    ("POST", "/api/plan/lowrank", {"example": "llama-2-7b", "rank": 256}),
    ("POST", "/api/plan/lora", {"example": "llama-2-7b", "rank": 16}),
    ("POST", "/api/plan/pipeline", {"example": "llama-3.1-8b", "distill": 2, "targetMemory": "4GB"}),
    ("POST", "/api/advise", {"task": "complex", "memory": "24GB"}),
]


def raw(method, path, body):
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\nContent-Type: application/json\r\n\r\n"
    return head.encode() + data


async def exchange(reader, writer, request):
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def main(port):
    latencies = {index: [] for index in range(len(REQUESTS))}
    failures = {index: 0 for index in range(len(REQUESTS))}
    # Warm-up: one request per endpoint.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for method, path, body in REQUESTS:
        await exchange(reader, writer, raw(method, path, body))
    writer.close()
    counter = iter(range(args.requests))

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in counter:
            kind = index % len(REQUESTS)
            method, path, body = REQUESTS[kind]
            start = time.perf_counter()
            try:
                status = await exchange(reader, writer, raw(method, path, body))
            except Exception:
                status = 0
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies[kind].append((time.perf_counter() - start) * 1000)
            if status != 200:
                failures[kind] += 1
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.clients)))
    return latencies, failures, time.perf_counter() - start


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--models", os.path.join(root, ".fixtures", "gguf")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/hardware", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    latencies, failures, elapsed = asyncio.run(main(port))
finally:
    server.terminate()

print(f"{args.requests} requests, {args.clients} concurrent clients, {elapsed:.2f} s ({args.requests / elapsed:.0f} requests/s)")
print(f"{'endpoint':<62} {'n':>5} {'fail':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
everything = []
for kind, (method, path, body) in enumerate(REQUESTS):
    values = latencies[kind]
    everything += values
    label = f"{method} {path} {json.dumps(body) if body else ''}"[:62]
    print(f"{label:<62} {len(values):>5} {failures[kind]:>5} {percentile(values, 50):>8.2f} {percentile(values, 90):>8.2f} {percentile(values, 99):>8.2f}")
total_failures = sum(failures.values())
print(f"{'all':<62} {len(everything):>5} {total_failures:>5} {percentile(everything, 50):>8.2f} {percentile(everything, 90):>8.2f} "
      f"{percentile(everything, 99):>8.2f}")
sys.exit(1 if total_failures else 0)
