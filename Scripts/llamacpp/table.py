#!/usr/bin/env python3
"""The llama.cpp-vs-Heft table: every recorded llama.cpp log replayed through `heft memory MODEL --log LOG`.

usage: table.py HEFT LOGS_DIR MODELS_DIR [--check]

MODELS_DIR holds the GGUF files (whole, or only their headers: Heft reads no tensor data) named as the logs'
prefixes. Prints Markdown; with --check prints nothing and exits 1 when a point misses the goals (model and KV
buffers equal to llama.cpp's printed MiB; compute within 10 %; total within 5 % or 64 MiB).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

KINDS = ["model", "kv", "compute", "output"]


def replay(heft: str, model: Path, log: Path) -> dict:
    out = subprocess.run([heft, "memory", str(model), "--log", str(log), "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{log.name}: heft exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)["comparison"]


def misses(rows: dict, total: tuple) -> list:
    problems = []
    for kind in ("model", "kv", "output"):
        # llama.cpp prints each buffer rounded to 0.01 MiB: a sum of n printed buffers is exact within n × 0.005.
        if kind in rows and abs(rows[kind]["differenceMebibytes"]) > 0.005 * rows[kind]["buffers"] + 1e-9:
            problems.append(f"{kind} {rows[kind]['differenceMebibytes']:+.2f} MiB")
    compute = rows.get("compute")
    # Heft replays ggml-alloc over the graph: the printed size itself.
    if compute and abs(compute["differenceMebibytes"]) > compute["resolutionMebibytes"] + 1e-9:
        problems.append(f"compute {compute['differenceMebibytes']:+.2f} MiB")
    engine, heft = total
    if abs(heft - engine) > max(0.05 * engine, 64):
        problems.append(f"total {heft - engine:+.1f} MiB")
    return problems


def cell(row) -> str:
    if row is None:
        return "-"
    heft = f"{row['heftMebibytes']:.2f}"
    if "heftUpperMebibytes" in row:
        heft += f"–{row['heftUpperMebibytes']:.2f}"
    return f"{row['engineMebibytes']:.2f} / {heft}"


def table(points: list) -> None:
    print("| launch | model MiB (llama.cpp / Heft) | KV | compute | output | total | misses |")
    print("|---|---|---|---|---|---|---|")
    for name, _, rows, total, problems in points:
        cells = [cell(rows.get(kind)) for kind in KINDS]
        cells.append(f"{total[0]:.2f} / {total[1]:.2f}")
        print(f"| {name} | " + " | ".join(cells) + f" | {'; '.join(problems) or '-'} |")


def replay_all(heft: str, logs: Path, models: Path) -> list:
    points = []
    for log in sorted(logs.glob("*.log")):
        model = models / (re.match(r"(.+)-c\d+-ub", log.stem).group(1) + ".gguf")
        comparison = replay(heft, model, log)
        rows = {row["kind"]: row for row in comparison["rows"]}
        total = (comparison["engineTotalMebibytes"], comparison["heftTotalMebibytes"])
        points.append((log.stem, model.stem, rows, total, misses(rows, total)))
    return points


def main() -> None:
    heft, logs, models = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    check = "--check" in sys.argv
    points = replay_all(heft, logs, models)
    holdout = replay_all(heft, logs.parent / "holdout", models) if (logs.parent / "holdout").is_dir() else []
    server = replay_all(heft, logs.parent / "server", models) if (logs.parent / "server").is_dir() else []
    failed = [p for p in points + holdout + server if p[4]]
    if check:
        for name, _, _, _, problems in failed:
            print(f"{name}: {', '.join(problems)}", file=sys.stderr)
        sys.exit(1 if failed else 0)
    version = (logs.parent / "llama-cpp-version.txt").read_text().strip()
    print("# Heft vs a real llama.cpp\n")
    print(
        f"Every row is one launch of `llama-completion -lv 4 -n 1` ({version}, CPU backend, portable AVX2 build) on "
        "a GGUF file, and Heft's prediction for the same launch (`heft memory MODEL --log LOG`). MiB as llama.cpp "
        "prints them (two decimals). Regenerate with `Scripts/llamacpp/grid.sh`; the logs are in "
        "`Tests/Data/llamacpp/logs/` and a test replays them.\n"
    )
    print(
        "Models: Gemma 3 270M Q4_K_M (the published checkpoint; sliding-window attention, 1 KV head); "
        "SmolLM2-135M's shapes in Q4_K_M (GQA 9:3) and Qwen2.5-0.5B's in Q8_0 (GQA 14:2, 151,936-token "
        "vocabulary), and a Qwen3-MoE with 16 experts in Q4_K_M — random weights written by "
        "`Scripts/llamacpp/make_models.py` and quantized by llama-quantize (buffers depend on shapes and types, "
        "not on values).\n"
    )
    worst = {kind: 0.0 for kind in KINDS}
    worst_total = 0.0
    for _, _, rows, total, _ in points:
        for kind in KINDS:
            if kind in rows:
                worst[kind] = max(worst[kind], abs(rows[kind]["relativeDifference"]))
        worst_total = max(worst_total, abs(total[1] - total[0]) / total[0])
    every = points + holdout + server
    exact = [p for p in every if abs(p[2]["compute"]["differenceMebibytes"]) <= p[2]["compute"]["resolutionMebibytes"] + 1e-9]
    print(f"**{len(points)} launches; {len([p for p in points if not p[4]])} meet every goal as the test checks it.** "
          "Largest differences: " + ", ".join(f"{kind} {worst[kind]:.2%}" for kind in KINDS)
          + f", total {worst_total:.2%}.\n")
    print(
        "**The compute buffer is llama.cpp's own figure**: Heft builds the graph llama.cpp builds (`llama`, `qwen2`, "
        "`qwen3`, `qwen3moe`, `gemma3`, with or without flash attention) node by node and replays ggml-alloc's best-fit "
        "allocator over it (`Sources/HeftKit/Engines/GGMLAllocator.swift`). No closed form does this: in a mixture "
        "of experts with flash attention the allocator leaves the experts' working set as a hole under the logits at "
        "some contexts and not at others (llama.cpp prints 66.50 to 85.56 MiB at `-ub 512` for one model as `-c` "
        "changes, not monotonically), and llama-server, which reserves logits for one token per sequence, peaks "
        f"inside a layer among the inputs and the holes. Equal to the printed MiB on {len(exact)} of the "
        f"{len(every)} launches here and below.\n"
    )
    table(points)
    if holdout:
        print("\n## Held out\n")
        print("Recorded after the rules above were set: the 16-expert model with flash attention over 13 contexts, and "
              "two more mixtures of experts in F16 over the grid's settings — Qwen3-30B-A3B's shapes in two layers "
              "(128 experts, 8 active, 151,936-token vocabulary) and a Mixtral-style `llama` with 8 experts, 2 "
              f"active, and a dense Qwen3 in Qwen3-0.6B's shapes (zero weights, `make_models.py --held-out`). "
              f"**{len(holdout)} launches; "
              f"{len([p for p in holdout if not p[4]])} meet every goal.** Logs in `Tests/Data/llamacpp/holdout/`.\n")
        table(holdout)
    if server:
        print("\n## llama-server\n")
        print("`llama-server -lv 4`, stopped once its buffers are reserved: it reserves logits for one token per sequence "
              "and, without `-np`, runs 4 sequences in one unified cache. Seven models × four launches: the default at "
              "`-c 4096`; `-np 2` with a q8_0 cache; `-np 1` without flash attention; `-c 16384 -ub 256`; and three "
              "with 32 to 256 sequences, where the graph llama.cpp also reserves for one token per sequence is the "
              "larger. "
              f"**{len(server)} launches; {len([p for p in server if not p[4]])} meet every goal.** Logs in "
              "`Tests/Data/llamacpp/server/`.\n")
        table(server)


if __name__ == "__main__":
    main()
