#!/usr/bin/env bash
# Install llama-cpp-python (CPU only) with its [server] extra into a dedicated virtualenv in the cache,
# on top of the llama.cpp libraries that build-llama-server.sh compiled from the same source
# distribution: llama.cpp is compiled once for both servers.
#
#   $CHAT_CONFORMANCE_CACHE/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION-shared/
#     wheels/llama_cpp_python-<v>-*.whl   the wheel built here, Python code only (LLAMA_BUILD=OFF)
#     venv/                                python -m llama_cpp.server runs from venv/bin/python
#                                          (site-packages/llama_cpp/lib/ holds copies of the libraries)
#     requirements.lock                    pip freeze of the venv
#     build.log                            wheel build + install output
#     .complete                            marker, written last; present = reused as is
#
# How: the sdist's CMakeLists.txt builds and installs llama.cpp only under LLAMA_BUILD=ON (LLAVA_BUILD
# for libmtmd); with both OFF the wheel carries only the Python package. llama_cpp/llama_cpp.py loads
# lib/libllama.so beside itself unless LLAMA_CPP_LIB_PATH says otherwise; the libraries are copied
# there (they find each other through RUNPATH $ORIGIN), so the venv needs no environment variable and
# does not break when the llama.cpp cache is rebuilt.
#
# Runs build-llama-server.sh first (a no-op when its cache is complete). Under a minute on top of that.
# Prints the venv's path last. Needs what build-llama-server.sh needs.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

V="$LLAMA_CPP_PYTHON_VERSION"
PREFIX="$CHAT_CONFORMANCE_CACHE/llama-cpp-python-${V}-shared"
VENV="$PREFIX/venv"
WHEELS="$PREFIX/wheels"
reuse_or_begin "$PREFIX" "$VENV/bin/python" "$VENV" build.log
need_cmd cmake cc c++ tar "$PYTHON"

stage "making sure llama.cpp's libraries are built (build-llama-server.sh)"
bash "$(dirname "${BASH_SOURCE[0]}")/build-llama-server.sh" >/dev/null || die "build-llama-server.sh failed"
LIBS="$(llama_cpp_prefix)/lib"
[[ -e "$LIBS/libllama.so" ]] || die "no $LIBS/libllama.so after build-llama-server.sh"
log "installing llama-cpp-python==${V} on the libraries in $LIBS into $PREFIX (log: $LOG_FILE)"

wheel="$(find "$WHEELS" -maxdepth 1 -name "llama_cpp_python-${V}-*.whl" 2>/dev/null | head -n1 || true)"
if [[ -z "$wheel" ]]; then
  SDIST="$(fetch_sdist)"
  rm -rf "$WHEELS"
  mkdir -p "$WHEELS"
  stage "building the llama-cpp-python wheel (Python code only: LLAMA_BUILD=OFF)"
  # The build backend (scikit-build-core) comes from the registry into pip's isolated build env; it
  # still runs cmake, which with these options configures nothing to compile.
  run env CMAKE_ARGS="-DLLAMA_BUILD=OFF -DLLAVA_BUILD=OFF" GIT_CEILING_DIRECTORIES="$CHAT_CONFORMANCE_CACHE" \
      "$PYTHON" -m pip wheel --no-deps --no-cache-dir -v -w "$WHEELS" "$SDIST"
  wheel="$(find "$WHEELS" -maxdepth 1 -name "llama_cpp_python-${V}-*.whl" | head -n1)"
  [[ -n "$wheel" ]] || die "pip wheel produced no llama_cpp_python-${V}-*.whl in $WHEELS"
else
  log "reusing wheel $wheel"
fi

rm -rf "$VENV"
stage "creating the venv and installing llama-cpp-python[server]"
run "$PYTHON" -m venv "$VENV"
run "$VENV/bin/python" -m pip install "${wheel}[server]"
pkg="$("$VENV/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("llama_cpp").origin))')"
[[ -d "$pkg" ]] || die "llama_cpp is not installed in $VENV"
mkdir -p "$pkg/lib"
cp -P "$LIBS"/lib*.so* "$pkg/lib/"
ls -l "$pkg/lib" >>"$LOG_FILE"

stage "checking that llama_cpp loads the libraries and its server imports"
run env -u LLAMA_CPP_LIB_PATH "$VENV/bin/python" -c "import llama_cpp, llama_cpp.server.app, uvicorn; print('llama_cpp', llama_cpp.__version__, 'system info', llama_cpp.llama_print_system_info().decode())"
"$VENV/bin/python" -m pip freeze >"$PREFIX/requirements.lock" 2>>"$LOG_FILE" || true

echo "done in $(elapsed)" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(elapsed); cache $(human_size "$PREFIX") at $PREFIX"
echo "$VENV"
