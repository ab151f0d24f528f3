#!/usr/bin/env python3
"""Benchmark: `heft stats` vs numpy computing the same statistics, and beside the machine's own limit (a plain C read
of the same mapped bytes, 2 threads, AVX2, built here from bench/plainread.c), on a CPU with AVX-512 also with the AVX2
kernels forced (HEFT_KERNELS=avx2), on a 2 GB F32 safetensors file, a
604 MB Q4_K GGUF file, a 440 MB Q6_K GGUF file, a 1.07 GB BF16 safetensors file and the real Gemma 3 270M Q4_K_M
(a K-quant mixture written by llama.cpp's rules: mostly Q8_0 and Q5_0; Scripts/real_models.sh fetches it).

    bench/stats.sh        (builds heft in release mode, then runs this with the fixtures venv)

Writes bench/out/f32-2gb.safetensors once (4 tensors × 128M normal float32, a few zeros and outliers) and
bench/out/q4k.gguf and q6k.gguf once (64 Q4_K and 32 Q6_K tensors of 4096 × 4096, random codes under fixed
scales, written by gguf-py).
Each file is dropped from the page cache (posix_fadvise) and read once, so that it sits in the page cache as a
fresh sequential read leaves it (on this kernel: large folios, which map cheaply). Prints medians, in GB/s of
tensor data, and the ratio.
"""
import json, os, statistics, subprocess, sys, time
import numpy as np
import gguf
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

def quantized_file(name, qtype, block_bytes, scale_offset, tensors):
    """`tensors` tensors of 4096 x 4096 in `qtype`: random codes under a fixed f16 scale (and min) at
    `scale_offset` of each block, written by gguf-py."""
    path = os.path.join(root, "bench", "out", name)
    if not os.path.exists(path):
        rng = np.random.default_rng(7)
        writer = gguf.GGUFWriter(path, "llama")
        blocks = 4096 * 4096 // 256
        for i in range(tensors):
            b = rng.integers(0, 256, size=(blocks, block_bytes), dtype=np.uint8)
            b[:, scale_offset:scale_offset + 2] = np.frombuffer(np.float16(0.002).tobytes(), np.uint8)  # d
            if qtype == gguf.GGMLQuantizationType.Q4_K:
                b[:, 2:4] = np.frombuffer(np.float16(0.001).tobytes(), np.uint8)  # dmin
            writer.add_tensor(f"blk.{i}.ffn_up.weight", b.reshape(4096, 16 * block_bytes), raw_dtype=qtype)
        writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
    return path


quantized = quantized_file("q4k.gguf", gguf.GGMLQuantizationType.Q4_K, 144, 0, 64)
six_bit = quantized_file("q6k.gguf", gguf.GGMLQuantizationType.Q6_K, 210, 208, 32)


def fresh_in_page_cache(file):
    fd = os.open(file, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
    with open(file, "rb") as f:
        while f.read(1 << 24):
            pass


def numpy_statistics(x):
    """The same statistics heft reports for one tensor, in float64 where it matters."""
    finite = x[np.isfinite(x)]
    mean = finite.mean(dtype=np.float64)
    std = finite.std(dtype=np.float64)
    a = np.abs(finite)
    return dict(zeros=int((x == 0).sum()), nan=int(np.isnan(x).sum()), inf=int(np.isinf(x).sum()),
                min=float(finite.min()), max=float(finite.max()), mean=float(mean), std=float(std),
                near=[int((a < t).sum()) for t in (1e-6, 1e-4, 1e-3, 1e-2)], outliers=int((np.abs(finite - mean) > 6 * std).sum()),
                hist=np.histogram(finite, bins=32)[0].tolist())


def numpy_stats(file):
    from safetensors import safe_open
    with safe_open(file, "np") as f:
        return {name: numpy_statistics(f.get_tensor(name).ravel()) for name in f.keys()}


def numpy_gguf_stats(file):
    """gguf-py's reference dequantizer, then the same statistics."""
    reader = gguf.GGUFReader(file)
    return {t.name: numpy_statistics(gguf.quants.dequantize(t.data, t.tensor_type).ravel()) for t in reader.tensors}


def timed(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return statistics.median(times)


avx512 = "avx512f" in open("/proc/cpuinfo").read()
reader = os.path.join(root, "bench", "out", "plainread")
subprocess.run(["cc", "-O2", "-mavx2", "-pthread", "-o", reader, os.path.join(root, "bench", "plainread.c")], check=True)


def bf16_file():
    """4 tensors of 8192 × 16384 BF16 (the top half of normal float32 values), with a hand-written header."""
    out = os.path.join(root, "bench", "out", "bf16-1gb.safetensors")
    if not os.path.exists(out):
        rng = np.random.default_rng(3)
        rows, cols, header, offset = 8192, 16384, {}, 0
        for i in range(4):
            header[f"model.layers.{i}.mlp.up_proj.weight"] = {"dtype": "BF16", "shape": [rows, cols], "data_offsets": [offset, offset + rows * cols * 2]}
            offset += rows * cols * 2
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(out, "wb") as f:
            f.write(len(text).to_bytes(8, "little")); f.write(text)
            for i in range(4):
                x = rng.standard_normal(rows * cols, dtype=np.float32) * 0.02
                f.write((x.view(np.uint32) >> 16).astype(np.uint16).tobytes())
    return out


def interleaved(commands, runs):
    """Median and fastest seconds of each command, run in turn (a, b, c, a, b, c, …) so that a machine whose speed
    drifts (a shared virtual machine: 20–30 % between runs minutes apart) slows every command alike."""
    times = [[] for _ in commands]
    for _ in range(runs):
        for i, (argv, env) in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
            times[i].append(time.perf_counter() - start)
    return [(statistics.median(t), min(t)) for t in times]


def compare(label, file, data_bytes, numpy_fn, heft_runs=15, numpy_runs=3):
    fresh_in_page_cache(file)
    commands = [([heft, "stats", "--json", file], None), ([reader, file], None)]
    if avx512:
        # The AVX2 kernels, forced, on the same file: what the common x86-64 machine runs.
        commands.append(([heft, "stats", "--json", file], dict(os.environ, HEFT_KERNELS="avx2")))
    seconds = interleaved(commands, heft_runs)
    (heft_seconds, heft_fastest), (limit_seconds, limit_fastest) = seconds[0], seconds[1]
    gb = data_bytes / 1e9
    print(f"{label}: {gb:.2f} GB, page cache warm after a fresh read; heft median (fastest) of {heft_runs}, numpy median of {numpy_runs}")
    print(f"  heft stats   {heft_seconds:7.3f} s  {gb / heft_seconds:6.2f} GB/s  ({heft_fastest:.3f} s)  ({'AVX-512' if avx512 else 'AVX2'} kernels)")
    if avx512:
        avx2_seconds, avx2_fastest = seconds[2]
        print(f"  heft (AVX2)  {avx2_seconds:7.3f} s  {gb / avx2_seconds:6.2f} GB/s  ({avx2_fastest:.3f} s)  (HEFT_KERNELS=avx2); "
              f"{limit_seconds / avx2_seconds:.0%} of the plain read ({limit_fastest / avx2_fastest:.0%} fastest to fastest)")
    file_gb = os.path.getsize(file) / 1e9
    print(f"  plain read   {limit_seconds:7.3f} s  {file_gb / limit_seconds:6.2f} GB/s  ({limit_fastest:.3f} s) of the whole file (this machine's limit); "
          f"heft takes {limit_seconds / heft_seconds:.0%} of it")
    if numpy_fn is None:
        return
    numpy_seconds = timed(lambda: numpy_fn(file), numpy_runs)
    print(f"  numpy        {numpy_seconds:7.3f} s  {gb / numpy_seconds:6.2f} GB/s")
    print(f"  ratio        {numpy_seconds / heft_seconds:.1f}× faster than numpy")


compare("F32 safetensors, 4 tensors of 128M elements", path, size, numpy_stats)
compare("Q4_K GGUF, 64 tensors of 4096 × 4096", quantized, os.path.getsize(quantized), numpy_gguf_stats, numpy_runs=1)
compare("Q6_K GGUF, 32 tensors of 4096 × 4096 (the other type of Q4_K_M files)", six_bit, os.path.getsize(six_bit), numpy_gguf_stats, numpy_runs=1)
bf16 = bf16_file()
compare("BF16 safetensors, 4 tensors of 8192 × 16384", bf16, os.path.getsize(bf16), None)  # numpy has no bfloat16
gemma = subprocess.run([os.path.join(root, "Scripts", "real_models.sh")], check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
compare("real Gemma 3 270M Q4_K_M (mostly Q8_0 and Q5_0)", gemma, os.path.getsize(gemma), numpy_gguf_stats, numpy_runs=1)
