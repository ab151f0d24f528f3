#!/usr/bin/env python3
"""Write GGUF models in the exact shapes of real small models, with random weights.

llama.cpp's buffer sizes depend on a model's shapes, types and vocabulary size, never on the weight values, so
these files exercise the same allocations as the published checkpoints (whose weights are not on PyPI):

- smollm2-135m: Llama architecture, SmolLM2-135M's shapes (30 layers, 576 wide, 9 heads, 3 KV heads: GQA,
  49,152-token vocabulary, tied embeddings).
- qwen2.5-0.5b: Qwen2 architecture, Qwen2.5-0.5B's shapes (24 layers, 896 wide, 14 heads, 2 KV heads, QKV biases,
  151,936-token vocabulary, tied embeddings).
- qwen3moe-mini: Qwen3-MoE architecture, 16 experts (4 active) with an expert width different from the dense
  `feed_forward_length`, and a router (`ffn_gate_inp`) that llama-quantize keeps in F32.

Each is written in F16 (norms and biases F32); `grid.sh` quantizes them with llama-quantize.

With --held-out it writes two more mixtures of experts for the held-out check of the compute graph, with zero
weights and run in F16: Qwen3-30B-A3B's shapes in two layers (128 experts, 8 active, 151,936-token vocabulary) and a
Mixtral-style llama (8 experts, 2 active, experts as wide as `feed_forward_length`), and Qwen3-0.6B's shapes (dense
qwen3, heads wider than the width ÷ heads).

usage: make_models.py OUTPUT_DIR [--held-out]
"""

import sys
from pathlib import Path

import gguf
import numpy as np

RNG = np.random.default_rng(20261129)


def vocabulary(writer: gguf.GGUFWriter, size: int) -> None:
    """A SentencePiece-style vocabulary of `size` tokens: unknown, BOS, EOS, the 256 byte tokens, then pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL] + [gguf.TokenType.BYTE] * 256
    letters = "abcdefghijklmnopqrstuvwxyz"
    index = 0
    while len(tokens) < size:
        piece, n = "", index
        while True:
            piece = letters[n % 26] + piece
            n = n // 26 - 1
            if n < 0:
                break
        tokens.append("\u2581" + piece)
        types.append(gguf.TokenType.NORMAL)
        index += 1
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([-float(i) for i in range(size)])
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)


def matrix(rows: int, cols: int) -> np.ndarray:
    return (RNG.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float16)


def vector(n: int, value: float | None = None) -> np.ndarray:
    if value is not None:
        return np.full(n, value, dtype=np.float32)
    return (RNG.standard_normal(n, dtype=np.float32) * 0.02).astype(np.float32)


def weights(random: bool):
    """Weight matrices (stacked `count` deep for experts): random, or zeros (large shapes write faster; llama.cpp's
    buffers do not depend on the values)."""
    def make(rows: int, cols: int, count: int = 0) -> np.ndarray:
        shape = (count, rows, cols) if count else (rows, cols)
        if not random:
            return np.zeros(shape, dtype=np.float16)
        return np.stack([matrix(rows, cols) for _ in range(count)]) if count else matrix(rows, cols)
    return make


def attention(w: gguf.GGUFWriter, p: str, hidden: int, heads: int, kv_heads: int, head: int, make=matrix,
              qk_norm: bool = False) -> None:
    """A block's attention norm and Q, K, V projections (tensor order as the converter writes it), and Q/K norms."""
    w.add_tensor(p + "attn_norm.weight", vector(hidden, 1.0))
    w.add_tensor(p + "attn_q.weight", make(heads * head, hidden))
    w.add_tensor(p + "attn_k.weight", make(kv_heads * head, hidden))
    w.add_tensor(p + "attn_v.weight", make(kv_heads * head, hidden))
    if qk_norm:
        w.add_tensor(p + "attn_q_norm.weight", vector(head, 1.0))
        w.add_tensor(p + "attn_k_norm.weight", vector(head, 1.0))


def dense(path: Path, arch: str, name: str, *, layers: int, hidden: int, heads: int, kv_heads: int, ffn: int,
          vocab: int, context: int, biases: bool, rope_base: float, head: int | None = None, qk_norm: bool = False,
          random: bool = True) -> None:
    """A dense decoder; `head` wider than hidden ÷ heads is written as the key and value length (Qwen3)."""
    make = weights(random)
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(name)
    w.add_context_length(context)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    if head is None:
        head = hidden // heads
        w.add_rope_dimension_count(head)
    else:
        w.add_key_length(head)
        w.add_value_length(head)
    w.add_rope_freq_base(rope_base)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    vocabulary(w, vocab)
    w.add_tensor("token_embd.weight", make(vocab, hidden))
    for i in range(layers):
        p = f"blk.{i}."
        attention(w, p, hidden, heads, kv_heads, head, make, qk_norm)
        if biases:
            w.add_tensor(p + "attn_q.bias", vector(heads * head))
            w.add_tensor(p + "attn_k.bias", vector(kv_heads * head))
            w.add_tensor(p + "attn_v.bias", vector(kv_heads * head))
        w.add_tensor(p + "attn_output.weight", make(hidden, heads * head))
        w.add_tensor(p + "ffn_norm.weight", vector(hidden, 1.0))
        w.add_tensor(p + "ffn_gate.weight", make(ffn, hidden))
        w.add_tensor(p + "ffn_up.weight", make(ffn, hidden))
        w.add_tensor(p + "ffn_down.weight", make(hidden, ffn))
    w.add_tensor("output_norm.weight", vector(hidden, 1.0))
    finish(w)


def moe(path: Path, arch: str, name: str, *, layers: int, hidden: int, heads: int, kv_heads: int, head: int,
        experts: int, used: int, expert_ffn: int, vocab: int, qk_norm: bool, random: bool = True) -> None:
    """A mixture of experts: qwen3moe (Q/K norms, its own expert width) or llama with experts (Mixtral: the experts
    are `feed_forward_length` wide)."""
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(name)
    w.add_context_length(40960)
    w.add_embedding_length(hidden)
    w.add_block_count(layers)
    if arch == "qwen3moe":
        w.add_feed_forward_length(6144)
        w.add_expert_feed_forward_length(expert_ffn)
    else:
        w.add_feed_forward_length(expert_ffn)
        w.add_rope_dimension_count(head)
    w.add_expert_count(experts)
    w.add_expert_used_count(used)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_key_length(head)
    w.add_value_length(head)
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    vocabulary(w, vocab)

    make = weights(random)
    w.add_tensor("token_embd.weight", make(vocab, hidden))
    for i in range(layers):
        p = f"blk.{i}."
        attention(w, p, hidden, heads, kv_heads, head, make, qk_norm)
        w.add_tensor(p + "attn_output.weight", make(hidden, heads * head))
        w.add_tensor(p + "ffn_norm.weight", vector(hidden, 1.0))
        w.add_tensor(p + "ffn_gate_inp.weight", vector(experts * hidden).reshape(experts, hidden))
        w.add_tensor(p + "ffn_gate_exps.weight", make(expert_ffn, hidden, experts))
        w.add_tensor(p + "ffn_up_exps.weight", make(expert_ffn, hidden, experts))
        w.add_tensor(p + "ffn_down_exps.weight", make(hidden, expert_ffn, experts))
    w.add_tensor("output_norm.weight", vector(hidden, 1.0))
    w.add_tensor("output.weight", make(vocab, hidden))
    finish(w)


def finish(w: gguf.GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    if sys.argv[2:] == ["--held-out"]:
        held_out(out)
        return
    dense(out / "smollm2-135m-f16.gguf", "llama", "SmolLM2-135M shapes (random weights)", layers=30, hidden=576,
          heads=9, kv_heads=3, ffn=1536, vocab=49152, context=8192, biases=False, rope_base=100000.0)
    dense(out / "qwen2.5-0.5b-f16.gguf", "qwen2", "Qwen2.5-0.5B shapes (random weights)", layers=24, hidden=896,
          heads=14, kv_heads=2, ffn=4864, vocab=151936, context=32768, biases=True, rope_base=1000000.0)
    moe(out / "qwen3moe-mini-f16.gguf", "qwen3moe", "Qwen3-MoE mini (random weights)", layers=8, hidden=1024,
        heads=16, kv_heads=4, head=128, experts=16, used=4, expert_ffn=384, vocab=32000, qk_norm=True)


def held_out(out: Path) -> None:
    """For the held-out check of the compute graph: two more mixtures of experts — Qwen3-30B-A3B's shapes in two
    layers (128 experts, 8 active, 151,936-token vocabulary) and a Mixtral-style llama with 8 experts, 2 active — and
    Qwen3-0.6B's shapes (dense qwen3: 16 heads of 128, wider than 1024 ÷ 16, Q/K norms, tied embeddings)."""
    moe(out / "qwen3moe-30b-a3b-2l-f16.gguf", "qwen3moe", "Qwen3-30B-A3B shapes, 2 layers (zero weights)", layers=2,
        hidden=2048, heads=32, kv_heads=4, head=128, experts=128, used=8, expert_ffn=768, vocab=151936, qk_norm=True,
        random=False)
    moe(out / "mixtral-mini-f16.gguf", "llama", "Mixtral-style mini (zero weights)", layers=4, hidden=1024, heads=8,
        kv_heads=2, head=128, experts=8, used=2, expert_ffn=3584, vocab=32000, qk_norm=False, random=False)
    dense(out / "qwen3-0.6b-f16.gguf", "qwen3", "Qwen3-0.6B shapes (zero weights)", layers=28, hidden=1024, heads=16,
          kv_heads=8, ffn=3072, vocab=151936, context=40960, biases=False, rope_base=1e6, head=128, qk_norm=True,
          random=False)


if __name__ == "__main__":
    main()
