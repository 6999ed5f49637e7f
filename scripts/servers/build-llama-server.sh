#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (CPU only, no OpenSSL, no web UI, static) from the llama.cpp tree
# that ships inside the llama-cpp-python source distribution on the package registry, and cache it
# outside the clone:
#
#   $CHAT_CONFORMANCE_CACHE/llama.cpp-$LLAMA_CPP_PYTHON_VERSION/
#     bin/llama-server     the binary (statically linked against llama/ggml)
#     build.log            configure + build output
#     .complete            marker, written last; present = cache is complete and reused as is
#
# Takes about 6 minutes on 2 cores the first time; a no-op afterwards. Prints the binary's path last.
# Needs: a C/C++ compiler (gcc/g++), cmake >= 3.14, make or ninja, tar, python3 with pip.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

PREFIX="$CHAT_CONFORMANCE_CACHE/llama.cpp-${LLAMA_CPP_PYTHON_VERSION}"
BIN="$PREFIX/bin/llama-server"
reuse_or_begin "$PREFIX" "$BIN" "$BIN" build.log
need_cmd cmake cc c++ tar "$PYTHON"
log "building llama-server from llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}'s llama.cpp (log: $LOG_FILE)"
start=$(date +%s)

SDIST="$(fetch_sdist)"
SRC="$PREFIX/src"
BUILD="$PREFIX/build"
rm -rf "$SRC" "$BUILD" "$PREFIX/bin"
mkdir -p "$SRC"
run tar xzf "$SDIST" -C "$SRC" --strip-components=1
LLAMA_SRC="$SRC/vendor/llama.cpp"
[[ -f "$LLAMA_SRC/CMakeLists.txt" ]] || die "no vendor/llama.cpp/CMakeLists.txt in $SDIST"

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# Keep build-info's `git rev-parse` from picking up an enclosing repository (e.g. a cache inside a clone).
export GIT_CEILING_DIRECTORIES="$SRC"
# The sdist has no .git, so llama.cpp's build info would say "unknown": take the llama.cpp commit
# that llama-cpp-python's CHANGELOG names for this release ("update llama.cpp to ggml-org/llama.cpp@SHA").
commit="$(awk -v v="## [${LLAMA_CPP_PYTHON_VERSION}]" '
  $0 == v { inside = 1; next }
  inside && /^## \[/ { exit }
  inside && match($0, /llama\.cpp@[0-9a-f]+/) { print substr($0, RSTART + 10, RLENGTH - 10); exit }
' "$SRC/CHANGELOG.md" 2>/dev/null || true)"
commit="${commit:-unknown}"

CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=OFF          # one self-contained binary in bin/
  -DGGML_NATIVE=OFF                # no -march=native: the cache may move to another CPU (AVX2/FMA/F16C baseline)
  -DGGML_CCACHE=OFF
  -DLLAMA_OPENSSL=OFF              # no HTTPS (model download) support needed
  -DLLAMA_BUILD_UI=OFF             # no web UI (npm) ...
  -DLLAMA_USE_PREBUILT_UI=OFF      # ... and no download of a prebuilt one at build time
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_COMMIT="$commit"    # shown by `llama-server --version`
  # (LLAMA_CURL no longer exists in this llama.cpp: it is a deprecated no-op; HTTP is cpp-httplib.)
)
echo "cmake flags: ${CMAKE_FLAGS[*]}" >>"$LOG_FILE"
run cmake -S "$LLAMA_SRC" -B "$BUILD" "${generator[@]}" "${CMAKE_FLAGS[@]}"
run cmake --build "$BUILD" --config Release --target llama-server -j "$JOBS"

built="$(find "$BUILD" -type f -name llama-server -perm -u+x | head -n1)"
[[ -n "$built" ]] || die "build finished but no llama-server binary under $BUILD"
mkdir -p "$PREFIX/bin"
cp "$built" "$BIN"
strip "$BIN" 2>/dev/null || true
"$BIN" --version >>"$LOG_FILE" 2>&1 || die "$BIN --version failed"

# The source and the object files are not needed to run the server.
rm -rf "$SRC" "$BUILD"
echo "built in $(( $(date +%s) - start ))s" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(( $(date +%s) - start ))s; cache $(human_size "$PREFIX") at $PREFIX"
echo "$BIN"
