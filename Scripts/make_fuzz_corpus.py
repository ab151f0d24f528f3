#!/usr/bin/env python3
"""Seed corpus for the fuzz targets (checked in under Tests/Fuzz/corpus). Run with the fixtures venv:
    .fixtures/.venv/bin/python Scripts/make_fuzz_corpus.py
Valid seeds come from the format owners' writers (gguf-py, safetensors); malformed seeds mirror the tests.
"""
import json, os, shutil, struct
import numpy as np
import gguf
from safetensors.numpy import save

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fuzz", "corpus")
# Only the targets written here are rewritten (the dequant and requests seeds are kept as they are).
for t in ("gguf", "safetensors", "index", "config", "json", "packed"):
    shutil.rmtree(os.path.join(root, t), ignore_errors=True)
    os.makedirs(os.path.join(root, t))


def put(target, name, data):
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# GGUF: a tiny llama-like model written by gguf-py, every value type, and broken variants.
path = os.path.join(root, "gguf", "tiny-llama.gguf")
w = gguf.GGUFWriter(path, "llama")
w.add_block_count(2); w.add_context_length(128); w.add_embedding_length(32); w.add_feed_forward_length(64)
w.add_head_count(4); w.add_head_count_kv(2); w.add_layer_norm_rms_eps(1e-5); w.add_file_type(7)
w.add_token_list([f"t{i}" for i in range(16)]); w.add_token_scores([0.5] * 16); w.add_token_types([1] * 16)
w.add_bool("tiny.flag", True); w.add_int8("tiny.i8", -3); w.add_uint16("tiny.u16", 7); w.add_int16("tiny.i16", -7)
w.add_int64("tiny.i64", -9); w.add_uint64("tiny.u64", 9); w.add_float64("tiny.f64", 2.5); w.add_uint8("tiny.u8", 1)
w.add_array("llama.attention.head_count_kv_layers", [2, 0])
w.add_tensor("token_embd.weight", np.zeros((16, 32), dtype=np.float32))
w.add_tensor("blk.0.attn_q.weight", gguf.quants.quantize(np.ones((32, 32), dtype=np.float32), gguf.GGMLQuantizationType.Q8_0), raw_dtype=gguf.GGMLQuantizationType.Q8_0)
w.add_tensor("blk.0.ffn_down.weight", np.zeros((32, 144), dtype=np.uint8), raw_dtype=gguf.GGMLQuantizationType.Q4_K)
w.add_tensor("output_norm.weight", np.ones(32, dtype=np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
valid = open(path, "rb").read()
put("gguf", "truncated-data.gguf", valid[: len(valid) - 100])
put("gguf", "truncated-header.gguf", valid[:200])
head = lambda version, nt, nkv: b"GGUF" + struct.pack("<IQQ", version, nt, nkv)
put("gguf", "v1.gguf", head(1, 0, 0))
put("gguf", "huge-counts.gguf", head(3, 1 << 62, 1 << 62) + b"\0" * 64)
put("gguf", "nested-array.gguf", head(3, 0, 1) + struct.pack("<Q", 1) + b"a" + struct.pack("<IIQ", 9, 9, 1) + b"\0" * 32)
put("gguf", "string-too-long.gguf", head(3, 0, 1) + struct.pack("<Q", 1 << 40) + b"key" + b"\0" * 32)
put("gguf", "bad-alignment.gguf", head(3, 0, 1) + struct.pack("<Q", 17) + b"general.alignment" + struct.pack("<II", 4, 3))
tensor = lambda name, ne, t, off: struct.pack("<Q", len(name)) + name + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", t, off)
put("gguf", "offset-gap.gguf", head(3, 2, 0) + tensor(b"a", [32], 0, 0) + tensor(b"b", [32], 0, 256) + b"\0" * 600)
put("gguf", "block-mismatch.gguf", head(3, 1, 0) + tensor(b"a", [33, 2], 2, 0) + b"\0" * 200)
put("gguf", "big-endian.gguf", b"GGUF" + struct.pack(">IQQ", 3, 0, 1) + struct.pack(">Q", 3) + b"key" + struct.pack(">II", 4, 5))

# safetensors
valid = save({"a": np.zeros((2, 3), dtype=np.float32), "b": np.ones(4, dtype=np.float16), "model.layers.0.mlp.up_proj.weight": np.zeros((4, 2), dtype=np.int8)}, metadata={"format": "pt"})
put("safetensors", "valid.safetensors", valid)
put("safetensors", "partial.safetensors", valid[:-5])
st = lambda header, data=0: struct.pack("<Q", len(header)) + header.encode() + b"\0" * data
put("safetensors", "overlap.safetensors", st('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', 6))
put("safetensors", "trailing.safetensors", st('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', 9))
put("safetensors", "overflow.safetensors", st('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'))
put("safetensors", "header-too-long.safetensors", struct.pack("<Q", 99_999_999) + b"{}")
put("safetensors", "deep.safetensors", st('{"a":' + "[" * 200 + "]" * 200 + "}"))
put("safetensors", "duplicate.safetensors", st('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2))

# index
put("index", "valid.json", json.dumps({"metadata": {"total_size": 16}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
put("index", "traversal.json", json.dumps({"weight_map": {"a": "../x.safetensors"}}))
put("index", "bad.json", '{"weight_map": [1, 2]}')

# config: the fixture configs plus families with layouts, and broken ones
configs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Data", "configs")
for name in sorted(os.listdir(configs)):
    shutil.copy(os.path.join(configs, name), os.path.join(root, "config", name))
put("config", "gemma2.json", json.dumps({"model_type": "gemma2", "vocab_size": 256000, "hidden_size": 2304, "intermediate_size": 9216, "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "sliding_window": 4096}))
put("config", "qwen2moe.json", json.dumps({"model_type": "qwen2_moe", "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 24, "num_attention_heads": 16, "num_experts": 60, "num_experts_per_tok": 4, "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632, "mlp_only_layers": [1], "decoder_sparse_step": 2}))
put("config", "t5.json", json.dumps({"model_type": "t5", "vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6, "num_heads": 8}))
put("config", "falcon.json", json.dumps({"model_type": "falcon", "vocab_size": 65024, "hidden_size": 4544, "num_hidden_layers": 32, "num_attention_heads": 71, "new_decoder_architecture": True, "num_kv_heads": 8}))
put("config", "multimodal.json", json.dumps({"model_type": "gemma3", "text_config": {"model_type": "gemma3_text", "vocab_size": 262208, "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 34, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256, "sliding_window": 1024}}))
put("config", "wrong-types.json", '{"model_type":"llama","hidden_size":"4096","num_attention_heads":0}')
put("config", "huge.json", '{"model_type":"llama","vocab_size":2147483648,"hidden_size":1048576,"intermediate_size":16777216,"num_hidden_layers":4096,"num_attention_heads":65536}')

# json
put("json", "escapes.json", '{"a":"\\u00e9\\ud83d\\ude00\\n","b":[1,-2.5e10,true,null],"c":{}}')
put("json", "numbers.json", "[0, -0, 1e400, 18446744073709551616, 12345678901234567890123]")
put("json", "deep.json", "[" * 100 + "]" * 100)
# packed: a config selector byte (FuzzTarget.packedConfigs) + a small safetensors file of that layout.
def packed(name, selector, tensors):
    header, blobs, offset = {}, [], 0
    for tname, (dtype, shape, raw) in tensors.items():
        header[tname] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    put("packed", name, bytes([selector]) + struct.pack("<Q", len(text)) + text + b"".join(blobs))


rng = np.random.default_rng(7)
words = lambda *shape: rng.integers(0, 2**32, size=shape, dtype=np.uint64).astype(np.uint32).tobytes()
halves = lambda *shape: (rng.integers(0x3000, 0x3C00, size=shape)).astype(np.uint16).tobytes()
norm = {"n.weight": ("F32", (16,), np.ones(16, np.float32).tobytes())}
packed("gptq4.bin", 0, {**norm, "a.qweight": ("I32", (2, 16), words(2, 16)), "a.qzeros": ("I32", (2, 2), words(2, 2)),
                        "a.scales": ("F16", (2, 16), halves(2, 16)), "a.g_idx": ("I32", (16,), np.repeat(np.int32([1, 0]), 8).tobytes())})
packed("gptq8.bin", 1, {**norm, "a.qweight": ("I32", (4, 16), words(4, 16)), "a.qzeros": ("I32", (1, 4), words(1, 4)),
                        "a.scales": ("F16", (1, 16), halves(1, 16))})
packed("gptq2.bin", 2, {**norm, "a.qweight": ("I32", (1, 32), words(1, 32)), "a.qzeros": ("I32", (1, 2), words(1, 2)),
                        "a.scales": ("BF16", (1, 32), halves(1, 32))})
packed("awq.bin", 3, {**norm, "a.qweight": ("I32", (16, 2), words(16, 2)), "a.qzeros": ("I32", (2, 2), words(2, 2)),
                      "a.scales": ("F16", (2, 16), halves(2, 16))})
packed("mlx4.bin", 4, {**norm, "a.weight": ("U32", (3, 8), words(3, 8)), "a.scales": ("F16", (3, 2), halves(3, 2)),
                       "a.biases": ("F16", (3, 2), halves(3, 2))})
packed("mlx8.bin", 5, {**norm, "a.weight": ("U32", (2, 2, 32), words(2, 2, 32)), "a.scales": ("BF16", (2, 2, 2), halves(2, 2, 2)),
                       "a.biases": ("BF16", (2, 2, 2), halves(2, 2, 2))})
packed("ct4.bin", 6, {**norm, "a.weight_packed": ("I32", (4, 3), words(4, 3)), "a.weight_scale": ("BF16", (4, 3), halves(4, 3)),
                      "a.weight_shape": ("I64", (2,), np.int64([4, 20]).tobytes()),
                      "a.weight_g_idx": ("I32", (20,), (np.arange(20) % 3).astype(np.int32).tobytes())})
packed("ct-mixed.bin", 7, {**norm, "a.weight_packed": ("I32", (8, 4), words(8, 4)), "a.weight_scale": ("F32", (8, 1), np.ones(8, np.float32).tobytes()),
                           "a.weight_zero_point": ("I32", (2, 1), words(2, 1)), "a.weight_shape": ("I32", (2,), np.int32([8, 16]).tobytes()),
                           "b.weight_packed": ("I32", (2, 2), words(2, 2)), "b.weight_scale": ("F16", (2, 2), halves(2, 2)),
                           "b.weight_zero_point": ("I8", (2, 2), rng.integers(-8, 8, size=4).astype(np.int8).tobytes())})
packed("fp8.bin", 8, {**norm, "a.weight": ("F8_E4M3", (130, 3), rng.integers(0, 256, size=390).astype(np.uint8).tobytes()),
                      "a.weight_scale_inv": ("F32", (2, 1), np.float32([0.5, 2]).tobytes()),
                      "b.weight": ("I8", (4, 8), rng.integers(-128, 128, size=32).astype(np.int8).tobytes()),
                      "b.weight_scale": ("BF16", (4, 2), halves(4, 2)),
                      "c.weight": ("F8_E5M2", (2, 4), rng.integers(0, 256, size=8).astype(np.uint8).tobytes()),
                      "c.weight_scale": ("F32", (1,), np.float32([3]).tobytes())})
state = json.dumps({"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [3, 50], "nested_blocksize": 256,
                    "nested_offset": 0.25, "nested_dtype": "float32"}).encode()
packed("bnb4.bin", 9, {**norm, "a.weight": ("U8", (75, 1), rng.integers(0, 256, size=75).astype(np.uint8).tobytes()),
                       "a.weight.absmax": ("U8", (3,), bytes([0, 128, 255])),
                       "a.weight.nested_absmax": ("F32", (1,), np.float32([0.5]).tobytes()),
                       "a.weight.nested_quant_map": ("F32", (256,), np.linspace(-1, 1, 256, dtype=np.float32).tobytes()),
                       "a.weight.quant_state.bitsandbytes__nf4": ("U8", (len(state),), state)})
packed("bnb8.bin", 10, {**norm, "a.weight": ("I8", (4, 8), rng.integers(-127, 128, size=32).astype(np.int8).tobytes()),
                        "a.SCB": ("F32", (4,), np.float32([1, 2, 3, 4]).tobytes())})
packed("mlx-odd.bin", 11, {**norm, "a.weight": ("U32", (3, 5), words(3, 5)), "a.scales": ("F16", (3, 1), halves(3, 1)),
                           "a.biases": ("F16", (3, 1), halves(3, 1)),
                           "x.weight": ("U32", (2, 6), words(2, 6)), "x.scales": ("BF16", (2, 2), halves(2, 2)),
                           "x.biases": ("BF16", (2, 2), halves(2, 2)),
                           "b.weight": ("U32", (2, 3), words(2, 3)), "b.scales": ("F32", (2, 1), np.float32([0.5, 2]).tobytes()),
                           "b.biases": ("F32", (2, 1), np.float32([-1, 1]).tobytes())})
packed("mlx-fp.bin", 12, {**norm, "a.weight": ("U32", (3, 4), words(3, 4)), "a.scales": ("U8", (3, 1), bytes([0, 127, 255])),
                          "b.weight": ("U32", (2, 4), words(2, 4)), "b.scales": ("U8", (2, 2), bytes([0x38, 0x7F, 0x01, 0xB8])),
                          "c.weight": ("U32", (2, 16), words(2, 16)), "c.scales": ("U8", (2, 2), bytes([120, 127, 130, 1]))})
packed("gptq3.bin", 13, {**norm, "a.qweight": ("I32", (3, 32), words(3, 32)), "a.qzeros": ("I32", (1, 3), words(1, 3)),
                         "a.scales": ("F16", (1, 32), halves(1, 32))})
bytes_ = lambda n: rng.integers(0, 256, size=n).astype(np.uint8).tobytes()
packed("nvfp4-ct.bin", 14, {**norm, "a.weight_packed": ("U8", (3, 16), bytes_(48)), "a.weight_scale": ("F8_E4M3", (3, 2), bytes([0x38, 0x7F, 0, 1, 0xB8, 0x40])),
                            "a.weight_global_scale": ("F32", (1,), np.float32([3]).tobytes())})
packed("nvfp4-modelopt.bin", 15, {**norm, "a.weight": ("U8", (2, 8), bytes_(16)), "a.weight_scale": ("F8_E4M3", (2, 1), bytes([0x38, 0x7E])),
                                  "a.weight_scale_2": ("F32", (), np.float32([0.25]).tobytes()), "a.input_scale": ("F32", (), np.float32([1]).tobytes())})
packed("mxfp4-blocks.bin", 16, {**norm, "m.experts.gate_up_proj_blocks": ("U8", (2, 3, 2, 16), bytes_(192)),
                                "m.experts.gate_up_proj_scales": ("U8", (2, 3, 2), bytes([0, 127, 255, 126, 128, 1, 2, 3, 4, 5, 6, 7])),
                                "m.experts.gate_up_proj_bias": ("BF16", (2, 3), halves(2, 3))})
print("corpus written to", os.path.normpath(root))
