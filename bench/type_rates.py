#!/usr/bin/env python3
"""Benchmark: `heft stats` on one file per block type, to give every type's rate (values per second and file bytes
per second, whole process, file in the page cache), on the kernels this CPU runs and, on a CPU with AVX-512, on the
AVX2 kernels forced with HEFT_KERNELS=avx2.

    .fixtures/.venv/bin/python bench/type_rates.py      (after swift build -c release --product heft)

Each file holds 16 tensors of 4096 × 1024 values (67M values) written by gguf-py as raw blocks: random codes under a
fixed float16 scale (0.002, and minimum 0.001 where the type has one) at the type's scale offset, so every value is
finite, as in a real checkpoint. Types whose scale is packed differently (IQ1_M, MXFP4) get a fixed valid pattern.
"""
import os, statistics, subprocess, sys, time
import numpy as np
import gguf
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as T

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
heft = os.path.join(root, ".build", "release", "heft")
out = os.path.join(root, "bench", "out", "types")
os.makedirs(out, exist_ok=True)
half = lambda x: np.frombuffer(np.float16(x).tobytes(), np.uint8)
# Byte offsets of each type's float16 scale (d) and, where it has one, minimum (dmin), from ggml-common.h.
scales = {
    T.Q4_0: [(0, 0.002)], T.Q4_1: [(0, 0.002), (2, 0.001)], T.Q5_0: [(0, 0.002)], T.Q5_1: [(0, 0.002), (2, 0.001)],
    T.Q8_0: [(0, 0.002)], T.Q2_K: [(80, 0.002), (82, 0.001)], T.Q3_K: [(108, 0.002)], T.Q4_K: [(0, 0.002), (2, 0.001)],
    T.Q5_K: [(0, 0.002), (2, 0.001)], T.Q6_K: [(208, 0.002)], T.IQ2_XXS: [(0, 0.002)], T.IQ2_XS: [(0, 0.002)],
    T.IQ3_XXS: [(0, 0.002)], T.IQ1_S: [(0, 0.002)], T.IQ4_NL: [(0, 0.002)], T.IQ3_S: [(0, 0.002)], T.IQ2_S: [(0, 0.002)],
    T.IQ4_XS: [(0, 0.002)], T.TQ1_0: [(52, 0.002)], T.TQ2_0: [(64, 0.002)],
}


def write(qtype):
    path = os.path.join(out, f"{qtype.name}.gguf")
    if os.path.exists(path):
        return path
    values, size = GGML_QUANT_SIZES[qtype]
    rng = np.random.default_rng(11)
    writer = gguf.GGUFWriter(path, "llama")
    rows, cols = 4096, 1024
    for i in range(16):
        if qtype in (T.F32, T.F16, T.BF16):
            x = rng.standard_normal(rows * cols, dtype=np.float32) * 0.02
            if qtype == T.BF16:
                raw = (x.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8).reshape(rows, cols * 2)
            elif qtype == T.F16:
                raw = x.astype(np.float16).view(np.uint8).reshape(rows, cols * 2)
            else:
                raw = x.view(np.uint8).reshape(rows, cols * 4)
        else:
            blocks = rows * cols // values
            raw = rng.integers(0, 256, size=(blocks, size), dtype=np.uint8)
            for offset, value in scales.get(qtype, []):
                raw[:, offset:offset + 2] = half(value)
            if qtype == T.MXFP4:
                raw[:, 0] = 120  # e8m0 scale 2^-7
            if qtype == T.IQ1_M:
                raw[:, 48:56] = np.frombuffer(np.array([0x3C00] * 4, np.uint16).tobytes(), np.uint8)  # scales, d = f16 packed in top nibbles
            raw = raw.reshape(rows, cols // values * size)
        writer.add_tensor(f"blk.{i}.ffn_up.weight", raw, raw_dtype=qtype)
    writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
    return path


def fresh(path):
    fd = os.open(path, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def timed(path, kernels, runs=5):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if kernels:
        env["HEFT_KERNELS"] = kernels
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([heft, "stats", "--json", path], check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


avx512 = "avx512f" in open("/proc/cpuinfo").read()
types = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K,
         T.IQ2_XXS, T.IQ2_XS, T.IQ2_S, T.IQ3_XXS, T.IQ3_S, T.IQ1_S, T.IQ1_M, T.IQ4_NL, T.IQ4_XS, T.TQ1_0, T.TQ2_0, T.MXFP4]
columns = ["best"] + (["avx2"] if avx512 else [])
print(f"| type | file MB | " + " | ".join(f"{c}: M values/s | {c}: GB/s of file" for c in columns) + " |")
print("| --- | ---: | " + " | ".join("---: | ---:" for _ in columns) + " |")
values = 16 * 4096 * 1024
for qtype in types:
    path = write(qtype)
    fresh(path)
    size = os.path.getsize(path)
    cells = []
    for c in columns:
        seconds = timed(path, None if c == "best" else c)
        cells += [f"{values / seconds / 1e6:,.0f}", f"{size / seconds / 1e9:.2f}"]
    print(f"| {qtype.name} | {size / 1e6:,.0f} | " + " | ".join(cells) + " |", flush=True)
