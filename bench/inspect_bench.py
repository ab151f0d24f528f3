#!/usr/bin/env python3
"""Benchmark: `heft inspect` wall time vs the gguf Python package's reader, on the same files.

Usage (after Scripts/fixtures.sh):
    bench/inspect.sh            # builds heft in release mode, then runs this with the fixtures venv

Generates bench/out/vocab262k.gguf once: a llama-style GGUF of about 270 MB with a 262,144-entry token list
(plus scores and token types, as real files carry), written by gguf-py. Prints median wall times.
"""
import os, statistics, subprocess, sys, time
import numpy as np
import gguf

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "bench", "out")
os.makedirs(out, exist_ok=True)
heft = os.path.join(root, ".build", "release", "heft")
big = os.path.join(out, "vocab262k.gguf")

if not os.path.exists(big):
    vocab, hidden, layers, ffn = 262_144, 256, 4, 1024
    w = gguf.GGUFWriter(big, "llama")
    w.add_block_count(layers)
    w.add_context_length(8192)
    w.add_embedding_length(hidden)
    w.add_feed_forward_length(ffn)
    w.add_head_count(4)
    w.add_head_count_kv(1)
    w.add_token_list([f"token{i:06d}" for i in range(vocab)])
    w.add_token_scores([float(-i) for i in range(vocab)])
    w.add_token_types([1] * vocab)
    w.add_tensor("token_embd.weight", np.zeros((vocab, hidden), dtype=np.float16))
    for i in range(layers):
        for name, shape in [("attn_q", (hidden, hidden)), ("attn_k", (64, hidden)), ("attn_v", (64, hidden)),
                            ("attn_output", (hidden, hidden)), ("ffn_gate", (ffn, hidden)), ("ffn_up", (ffn, hidden)),
                            ("ffn_down", (hidden, ffn))]:
            w.add_tensor(f"blk.{i}.{name}.weight", np.zeros(shape, dtype=np.float16))
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, dtype=np.float32))
    w.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    w.add_tensor("output.weight", np.zeros((vocab, hidden), dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

RUNS = 15


def median_ms(fn):
    fn()  # warm the page cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def heft_run(path):
    return lambda: subprocess.run([heft, "inspect", "--json", path], check=True, stdout=subprocess.DEVNULL)


def python_reader(path):
    return lambda: gguf.GGUFReader(path)


def python_process(path):
    code = "import sys, gguf; gguf.GGUFReader(sys.argv[1])"
    return lambda: subprocess.run([sys.executable, "-c", code, path], check=True)


files = [
    ("vocab262k.gguf (F16, 262,144 tokens)", big, True),
    ("MiniLM Q4_0 gguf", os.path.join(root, ".fixtures/gguf/all-MiniLM-L6-v2.Q4_0.gguf"), True),
    ("MiniLM F32 gguf", os.path.join(root, ".fixtures/gguf/all-MiniLM-L6-v2.F32.gguf"), True),
    ("MiniLM safetensors dir", os.path.join(root, ".fixtures/all-MiniLM-L6-v2"), False),
    ("MiniLM sharded (3 shards)", os.path.join(root, ".fixtures/all-MiniLM-L6-v2-sharded"), False),
]
print(f"median of {RUNS} runs, page cache warm; heft = whole process (exec + parse + JSON report)")
print(f"{'file':40} {'MB':>8} {'heft ms':>9} {'gguf-py in-process ms':>22} {'gguf-py process ms':>19}")
for label, path, is_gguf in files:
    size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) if os.path.isdir(path) else os.path.getsize(path)
    h = median_ms(heft_run(path))
    if is_gguf:
        p_in = median_ms(python_reader(path))
        p_proc = median_ms(python_process(path))
        print(f"{label:40} {size / 1e6:8.1f} {h:9.1f} {p_in:22.1f} {p_proc:19.1f}")
    else:
        print(f"{label:40} {size / 1e6:8.1f} {h:9.1f} {'-':>22} {'-':>19}")
