#!/usr/bin/env python3
"""Benchmark: `heft stats` vs numpy computing the same statistics, on a 2 GB F32 safetensors file.

    bench/stats.sh        (builds heft in release mode, then runs this with the fixtures venv)

Writes bench/out/f32-2gb.safetensors once (4 tensors × 128M normal float32, a few zeros and outliers), warms the
page cache, and prints the median of 3 runs of each, in GB/s of tensor data, and the ratio.
"""
import json, os, statistics, subprocess, sys, time
import numpy as np
from safetensors.numpy import save_file

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
heft = os.path.join(root, ".build", "release", "heft")
path = os.path.join(root, "bench", "out", "f32-2gb.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
if not os.path.exists(path):
    rng = np.random.default_rng(5)
    tensors = {}
    for i in range(4):
        x = (rng.standard_normal(128 * 1024 * 1024, dtype=np.float32) * 0.02).reshape(8192, 16384)
        x[0, :1000] = 0
        x[1, :10] = 1.0
        tensors[f"model.layers.{i}.mlp.up_proj.weight"] = x
    save_file(tensors, path)
    del tensors
size = os.path.getsize(path)


def numpy_stats(file):
    """The same statistics heft reports, per tensor, in float64 where it matters."""
    from safetensors import safe_open
    out = {}
    with safe_open(file, "np") as f:
        for name in f.keys():
            x = f.get_tensor(name).ravel()
            finite = x[np.isfinite(x)]
            mean = finite.mean(dtype=np.float64)
            std = finite.std(dtype=np.float64)
            a = np.abs(finite)
            out[name] = dict(zeros=int((x == 0).sum()), nan=int(np.isnan(x).sum()), inf=int(np.isinf(x).sum()),
                             min=float(finite.min()), max=float(finite.max()), mean=float(mean), std=float(std),
                             near=[int((a < t).sum()) for t in (1e-6, 1e-4, 1e-3, 1e-2)], outliers=int((a > 6 * std).sum()),
                             hist=np.histogram(finite, bins=32)[0].tolist())
    return out


def timed(fn, runs=3):
    fn()  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return statistics.median(times)


heft_seconds = timed(lambda: subprocess.run([heft, "stats", "--json", path], check=True, stdout=subprocess.DEVNULL))
numpy_seconds = timed(lambda: numpy_stats(path))
gb = size / 1e9
print(f"file: {gb:.2f} GB F32 safetensors (4 tensors of 128M elements), page cache warm, median of 3")
print(f"heft stats   {heft_seconds:7.3f} s  {gb / heft_seconds:6.2f} GB/s")
print(f"numpy        {numpy_seconds:7.3f} s  {gb / numpy_seconds:6.2f} GB/s")
print(f"ratio        {numpy_seconds / heft_seconds:.1f}× faster than numpy")
