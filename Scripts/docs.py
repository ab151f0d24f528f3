#!/usr/bin/env python3
"""Keeps the command output shown in README.md and docs/*.md true to the code.

Every block of this form is the output of the `heft` binary with the arguments in the marker:

    <!-- heft: inspect .fixtures/all-MiniLM-L6-v2 | head -12 -->
    ```text
    ...stdout of `.build/debug/heft inspect .fixtures/all-MiniLM-L6-v2`, first 12 lines...
    ```
    <!-- /heft -->

The arguments are split as a shell would split them and run from the repository root. An optional `| head -N`
keeps the first N lines. A command must exit 0, unless the marker says `heft!:` ("expected to fail"): then the
block holds its standard error and a last line `exit status N`, and a command that succeeds is the error.

    python3 Scripts/docs.py            rewrite every block with the real output
    python3 Scripts/docs.py --check    exit 1 and list each block whose text differs (nothing is written)
    python3 Scripts/docs.py --build    run `swift build --product heft` first

Outputs are made deterministic: the repository's absolute path is removed (paths print relative), help text is
wrapped at 100 columns, and the model caches (Hugging Face, Ollama, LM Studio) point at a folder that does not
exist, so that `heft ls` and name lookups print the same on every machine. Standard library only.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "debug", "heft")
MARKER = re.compile(r"^<!-- heft(!?): (.*?) -->\s*$")
END = "<!-- /heft -->"
HEAD = re.compile(r"^(.*?)\s*\|\s*head\s+-(?:n\s*)?(\d+)\s*$")
NO_HOME = "/nonexistent/heft-docs-home"


class DocsError(Exception):
    pass


def environment():
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "OLLAMA_MODELS")}
    env.update(HOME=NO_HOME, COLUMNS="100", LINES="50", LC_ALL="C.UTF-8", TZ="UTC")
    return env


def run(command, expect_failure, where):
    """The text a block shows for `command` (the marker's text)."""
    limit = None
    match = HEAD.match(command)
    if match:
        command, limit = match.group(1), int(match.group(2))
    try:
        args = shlex.split(command)
    except ValueError as error:
        raise DocsError(f"{where}: cannot split '{command}': {error}")
    if args and args[0] == "heft":
        args = args[1:]
    try:
        result = subprocess.run([BINARY] + args, cwd=ROOT, env=environment(), capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise DocsError(f"{where}: heft {command} took longer than 300 s")
    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    if expect_failure:
        if result.returncode == 0:
            raise DocsError(f"{where}: heft {command} was marked to fail (heft!) but exited 0")
        text = stderr.rstrip("\n") + f"\nexit status {result.returncode}"
    else:
        if result.returncode != 0:
            raise DocsError(f"{where}: heft {command} exited {result.returncode}:\n{stderr.strip()}")
        text = stdout
    text = text.replace(ROOT + "/", "").replace(ROOT, ".")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    if limit is not None:
        lines = lines[:limit]
    if any(line.lstrip().startswith("```") for line in lines):
        raise DocsError(f"{where}: the output of heft {command} contains a code fence")
    return lines


def process(path, cache):
    """The file's lines with every block refreshed, and the blocks that changed."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    relative = os.path.relpath(path, ROOT)
    out, changed, i = [], [], 0
    while i < len(lines):
        line = lines[i]
        match = MARKER.match(line)
        if not match:
            out.append(line)
            i += 1
            continue
        where = f"{relative}:{i + 1}"
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            raise DocsError(f"{where}: a heft marker must be followed by a ``` fence")
        close = next((j for j in range(i + 2, len(lines)) if lines[j].startswith("```")), None)
        if close is None or close + 1 >= len(lines) or lines[close + 1].strip() != END:
            raise DocsError(f"{where}: the block must end with ``` and then {END}")
        key = (match.group(1), match.group(2))
        if key not in cache:
            cache[key] = run(match.group(2), match.group(1) == "!", where)
        fresh = cache[key]
        if lines[i + 2:close] != fresh:
            changed.append(f"{where}: heft{match.group(1)} {match.group(2)}")
        out += [line, lines[i + 1]] + fresh + [lines[close], lines[close + 1]]
        i = close + 2
    return "\n".join(out), changed


def documents():
    paths = [os.path.join(ROOT, "README.md")]
    docs = os.path.join(ROOT, "docs")
    if os.path.isdir(docs):
        paths += sorted(os.path.join(docs, name) for name in os.listdir(docs) if name.endswith(".md"))
    return [p for p in paths if os.path.isfile(p)]


def stale_sources():
    """Swift sources newer than the binary (a hint that it needs rebuilding)."""
    built = os.path.getmtime(BINARY)
    newer = []
    for folder, _, files in os.walk(os.path.join(ROOT, "Sources")):
        newer += [os.path.join(folder, f) for f in files if f.endswith((".swift", ".c", ".h"))
                  and os.path.getmtime(os.path.join(folder, f)) > built]
    return newer


def main():
    parser = argparse.ArgumentParser(description="Refresh (or --check) the heft output blocks in README.md and docs/.")
    parser.add_argument("--check", action="store_true", help="list blocks that differ and exit 1; write nothing")
    parser.add_argument("--build", action="store_true", help="run swift build --product heft first")
    options = parser.parse_args()
    if options.build:
        subprocess.run(["swift", "build", "--product", "heft"], cwd=ROOT, check=True)
    if not os.path.isfile(BINARY):
        print(f"docs.py: {os.path.relpath(BINARY, ROOT)} is missing; run swift build --product heft "
              "(or python3 Scripts/docs.py --build)", file=sys.stderr)
        return 2
    newer = stale_sources()
    if newer:
        print(f"docs.py: warning: {len(newer)} source file(s) are newer than .build/debug/heft "
              f"(e.g. {os.path.relpath(newer[0], ROOT)}); rebuild for current output", file=sys.stderr)
    cache, differing = {}, []
    try:
        for path in documents():
            text, changed = process(path, cache)
            differing += changed
            if changed and not options.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    except DocsError as error:
        print(f"docs.py: {error}", file=sys.stderr)
        return 2
    if options.check:
        for entry in differing:
            print(f"out of date: {entry}")
        if differing:
            print(f"docs.py: {len(differing)} block(s) differ from the binary's output; "
                  "run python3 Scripts/docs.py", file=sys.stderr)
            return 1
        print(f"docs.py: {len(cache)} command(s), every block current")
        return 0
    print(f"docs.py: {len(cache)} command(s) run, {len(differing)} block(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
