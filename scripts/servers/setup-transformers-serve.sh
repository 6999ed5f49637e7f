#!/usr/bin/env bash
# Install Hugging Face `transformers serve` (transformers[serving] + the CPU build of torch 2.13.0)
# into a dedicated virtualenv in the cache, once:
#
#   $CHAT_CONFORMANCE_CACHE/transformers-serve-$TRANSFORMERS_VERSION/
#     venv/              `venv/bin/transformers serve ...`
#     hf-home/hub/       an empty HF_HOME for the server (it runs with HF_HUB_OFFLINE=1)
#     constraints.txt    torch==<TORCH_VERSION>+cpu, applied to every pip call in the venv
#     requirements.lock  pip freeze of the venv
#     setup.log          install output
#     .complete          marker, written last; present = reused as is
#
# Options: TRANSFORMERS_VERSION (default 5.23.0), TORCH_VERSION (default 2.13.0), TORCH_INDEX_URL (an
# extra index with the CPU build of torch, e.g. https://download.pytorch.org/whl/cpu on an ordinary
# machine; not needed where pip already finds torch-<v>+cpu, as on this project's machines, whose pip
# has it in a find-links folder). The requirement is torch==<v>+cpu, so pip never takes a CUDA build
# of several GB silently: without a source of the CPU build the script stops and says what to set.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

: "${TRANSFORMERS_VERSION:=5.23.0}"
: "${TORCH_VERSION:=2.13.0}"
PREFIX="$CHAT_CONFORMANCE_CACHE/transformers-serve-${TRANSFORMERS_VERSION}"
VENV="$PREFIX/venv"
reuse_or_begin "$PREFIX" "$VENV/bin/transformers" "$VENV" setup.log
need_cmd "$PYTHON"
mkdir -p "$PREFIX/hf-home/hub"
log "installing transformers[serving]==${TRANSFORMERS_VERSION} + torch==${TORCH_VERSION}+cpu into $VENV (log: $LOG_FILE)"

CONSTRAINTS="$PREFIX/constraints.txt"
rm -rf "$VENV"
stage "creating the venv"
run "$PYTHON" -m venv "$VENV"
# torch first and alone, so that a missing CPU build is reported as such (with what to do).
install_cpu_torch "$VENV" "$CONSTRAINTS"
stage "installing transformers[serving]==${TRANSFORMERS_VERSION}"
install_on_cpu_torch "$VENV" "$CONSTRAINTS" "transformers[serving]==${TRANSFORMERS_VERSION}"
stage "checking that transformers serve runs"
run "$VENV/bin/python" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
run "$VENV/bin/transformers" serve --help
"$VENV/bin/python" -m pip freeze >"$PREFIX/requirements.lock" 2>>"$LOG_FILE" || true

echo "done in $(elapsed)" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(elapsed); cache $(human_size "$PREFIX") at $PREFIX"
echo "$VENV"
