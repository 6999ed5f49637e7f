#!/usr/bin/env bash
# Install Hugging Face `transformers serve` (transformers[serving] + the CPU build of torch 2.13.0)
# into a dedicated virtualenv in the cache, once:
#
#   $CHAT_CONFORMANCE_CACHE/transformers-serve-$TRANSFORMERS_VERSION/
#     venv/              `venv/bin/transformers serve ...`
#     hf-home/hub/       an empty HF_HOME for the server (it runs with HF_HUB_OFFLINE=1)
#     requirements.lock  pip freeze of the venv
#     setup.log          install output
#     .complete          marker, written last; present = reused as is
#
# Options: TRANSFORMERS_VERSION (default 5.23.0), TORCH_VERSION (default 2.13.0: on this kind of
# machine pip takes the CPU build of exactly that release from local disk; any other release makes
# pip download a CUDA build of several GB, so this script refuses to change it silently).
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
log "installing transformers[serving]==${TRANSFORMERS_VERSION} + torch==${TORCH_VERSION} into $VENV (log: $LOG_FILE)"
start=$(date +%s)

# Every pip call in this venv is held to exactly this torch: nothing may pull another build in.
CONSTRAINTS="$PREFIX/constraints.txt"
printf 'torch==%s\n' "$TORCH_VERSION" >"$CONSTRAINTS"

rm -rf "$VENV"
run "$PYTHON" -m venv "$VENV"
# torch first and alone, so a failure to find the local CPU build is reported as such.
run "$VENV/bin/python" -m pip install -c "$CONSTRAINTS" "torch==${TORCH_VERSION}"
tv="$("$VENV/bin/python" -c 'import torch; print(torch.__version__)' 2>>"$LOG_FILE")" \
  || die "torch==${TORCH_VERSION} does not import in $VENV"
case "$tv" in
  *+cu*) die "torch $tv is a CUDA build; expected the CPU build of ${TORCH_VERSION}" ;;
esac
run "$VENV/bin/python" -m pip install -c "$CONSTRAINTS" "transformers[serving]==${TRANSFORMERS_VERSION}"
run "$VENV/bin/python" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
run "$VENV/bin/transformers" serve --help
"$VENV/bin/python" -m pip freeze >"$PREFIX/requirements.lock" 2>>"$LOG_FILE" || true

echo "done in $(( $(date +%s) - start ))s" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(( $(date +%s) - start ))s; cache $(human_size "$PREFIX") at $PREFIX"
echo "$VENV"
