#!/usr/bin/env bash
# Build llama-cpp-python (CPU only) from its source distribution on the package registry into a
# wheel, once, and install it with its [server] extra into a dedicated virtualenv in the cache:
#
#   $CHAT_CONFORMANCE_CACHE/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION/
#     wheels/llama_cpp_python-<v>-*.whl   the wheel built here (reused if the venv must be remade)
#     venv/                                python -m llama_cpp.server runs from venv/bin/python
#     build.log                            wheel build + install output
#     .complete                            marker, written last; present = reused as is
#
# About 5 minutes on 2 cores the first time; a no-op afterwards. Prints the venv's path last.
# Needs: gcc/g++, cmake >= 3.21, python3 with venv and pip, tar.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

V="$LLAMA_CPP_PYTHON_VERSION"
PREFIX="$CHAT_CONFORMANCE_CACHE/llama-cpp-python-${V}"
VENV="$PREFIX/venv"
WHEELS="$PREFIX/wheels"
reuse_or_begin "$PREFIX" "$VENV/bin/python" "$VENV" build.log
need_cmd cmake cc c++ tar "$PYTHON"
log "building llama-cpp-python==${V} (CPU only) into $PREFIX (log: $LOG_FILE)"
start=$(date +%s)

# CPU only and portable: no -march=native (the cache may be used on another CPU of the same kind),
# no BLAS/GPU, no OpenSSL, no web UI, and no multimodal (mtmd/llava) library, which the chat server
# only loads for a --clip_model_path.
CMAKE_ARGS_CPU="-DGGML_NATIVE=OFF -DGGML_CCACHE=OFF -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAVA_BUILD=OFF"

wheel="$(find "$WHEELS" -maxdepth 1 -name "llama_cpp_python-${V}-*.whl" 2>/dev/null | head -n1 || true)"
if [[ -z "$wheel" ]]; then
  SDIST="$(fetch_sdist)"
  rm -rf "$WHEELS"
  mkdir -p "$WHEELS"
  echo "CMAKE_ARGS=$CMAKE_ARGS_CPU" >>"$LOG_FILE"
  # The build backend (scikit-build-core) comes from the registry into pip's isolated build env.
  run env CMAKE_ARGS="$CMAKE_ARGS_CPU" FORCE_CMAKE=1 CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" \
      GIT_CEILING_DIRECTORIES="$CHAT_CONFORMANCE_CACHE" \
      "$PYTHON" -m pip wheel --no-deps --no-cache-dir -v -w "$WHEELS" "$SDIST"
  wheel="$(find "$WHEELS" -maxdepth 1 -name "llama_cpp_python-${V}-*.whl" | head -n1)"
  [[ -n "$wheel" ]] || die "pip wheel produced no llama_cpp_python-${V}-*.whl in $WHEELS"
  log "wheel built in $(( $(date +%s) - start ))s: $(basename "$wheel")"
else
  log "reusing wheel $wheel"
fi

rm -rf "$VENV"
run "$PYTHON" -m venv "$VENV"
run "$VENV/bin/python" -m pip install "${wheel}[server]"
run "$VENV/bin/python" -c "import llama_cpp, llama_cpp.server.app, uvicorn; print('llama_cpp', llama_cpp.__version__)"
"$VENV/bin/python" -m pip freeze >"$PREFIX/requirements.lock" 2>>"$LOG_FILE" || true

echo "done in $(( $(date +%s) - start ))s" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(( $(date +%s) - start ))s; cache $(human_size "$PREFIX") at $PREFIX"
echo "$VENV"
