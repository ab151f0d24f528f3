#!/usr/bin/env python3
"""Extra fixtures and reference answers for Heft's tests, written by the format owners' libraries.

Run with the fixtures virtualenv (gguf, safetensors, numpy) after ../shared/fixtures/fetch.sh:
    .fixtures/.venv/bin/python Scripts/make_test_fixtures.py .fixtures

Writes into DEST:
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


def write_gguf(path, qtype, **writer_args):
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, config["num_hidden_layers"])
    w = gguf.GGUFWriter(path, "bert", **writer_args)
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
        t = qtype if data.ndim == 2 and data.shape[-1] % 32 == 0 else gguf.GGMLQuantizationType.F32
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


gptq_pack()
split_dir = os.path.join(extra, "split")
os.makedirs(split_dir, exist_ok=True)
for old in glob.glob(os.path.join(split_dir, "*.gguf")):
    os.remove(old)
write_gguf(os.path.join(split_dir, "minilm-q8.gguf"), gguf.GGMLQuantizationType.Q8_0, split_max_tensors=40)
write_gguf(os.path.join(extra, "bigendian.gguf"), gguf.GGMLQuantizationType.F16, endianess=gguf.GGUFEndian.BIG)

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
            "nearZero": [int((np.abs(finite) < t).sum()) for t in thresholds], "outliers": int((np.abs(finite) > k * std).sum()),
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
# For all parameters together, an outlier is one beyond k·σ of its own tensor.
stats["safetensorsGlobal"]["outliers"] = sum(s["outliers"] for s in stats["safetensors"].values())
json.dump(stats, open(os.path.join(dest, "stats_reference.json"), "w"))
print("stats reference written")
