#!/usr/bin/env bash
# Build llama.cpp once, CPU only, from the llama.cpp tree that ships inside the llama-cpp-python source
# distribution on the package registry: its shared libraries (libllama, libggml*, libmtmd) and the
# `llama-server` that links them. build-llama-cpp-python.sh installs llama-cpp-python's Python code on
# top of these same libraries, so llama.cpp is compiled once for both servers. Cached outside the clone:
#
#   $CHAT_CONFORMANCE_CACHE/llama.cpp-$LLAMA_CPP_PYTHON_VERSION-shared/
#     bin/llama-server     the server (RUNPATH $ORIGIN/../lib: the folder can move as a whole)
#     lib/lib*.so*         libllama, libggml, libggml-base, libggml-cpu, libmtmd, libllama-common
#     build.log            configure + build output
#     .complete            marker, written last; present = cache is complete and reused as is
#
# (The "-shared" name keeps this layout apart from earlier caches of a static llama-server under
# llama.cpp-<version>/, which had no libraries for llama-cpp-python.)
# Takes about 12 minutes on 2 cores the first time; a no-op afterwards. Prints the binary's path last.
# Needs: a C/C++ compiler (gcc/g++), cmake >= 3.14, make or ninja, tar, python3 with pip.
set -euo pipefail
# shellcheck source=_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

PREFIX="$(llama_cpp_prefix)"
BIN="$PREFIX/bin/llama-server"
reuse_or_begin "$PREFIX" "$BIN" "$BIN" build.log
need_cmd cmake cc c++ tar "$PYTHON"
log "building llama.cpp (shared libraries + llama-server) from llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}'s source (log: $LOG_FILE)"

stage "fetching the llama-cpp-python source distribution"
SDIST="$(fetch_sdist)"
SRC="$PREFIX/src"
BUILD="$PREFIX/build"
rm -rf "$SRC" "$BUILD" "$PREFIX/bin" "$PREFIX/lib"
mkdir -p "$SRC"
stage "unpacking $(basename "$SDIST")"
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
  -DBUILD_SHARED_LIBS=ON           # libllama & co. for llama-cpp-python too: one compile for both servers
  -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON
  "-DCMAKE_INSTALL_RPATH=\$ORIGIN/../lib;\$ORIGIN"   # bin/ finds lib/, and lib/ finds itself, wherever the folder is
  -DGGML_NATIVE=OFF                # no -march=native: the cache may move to another CPU (AVX2/FMA/F16C baseline)
  -DGGML_CCACHE=OFF
  -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF
  -DLLAMA_OPENSSL=OFF              # no HTTPS (model download) support needed
  -DLLAMA_BUILD_UI=OFF             # no web UI (npm) ...
  -DLLAMA_USE_PREBUILT_UI=OFF      # ... and no download of a prebuilt one at build time
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_COMMIT="$commit"    # shown by `llama-server --version`
  # (LLAMA_CURL no longer exists in this llama.cpp: it is a deprecated no-op; HTTP is cpp-httplib.)
)
echo "cmake flags: ${CMAKE_FLAGS[*]}" >>"$LOG_FILE"
stage "configuring llama.cpp (cmake)"
run cmake -S "$LLAMA_SRC" -B "$BUILD" "${generator[@]}" "${CMAKE_FLAGS[@]}"
# llama-server's dependencies are the libraries llama-cpp-python loads (libllama, libggml*) plus
# libmtmd and libllama-common; `cmake --install` would want every tool built, so copy instead.
stage "compiling llama.cpp (libraries + llama-server, $JOBS jobs)"
run cmake --build "$BUILD" --config Release --target llama-server -j "$JOBS"

built="$(find "$BUILD" -type f -name llama-server -perm -u+x | head -n1)"
[[ -n "$built" ]] || die "build finished but no llama-server binary under $BUILD"
[[ -n "$(find "$BUILD" -name 'libllama.so*' -print -quit)" ]] || die "build finished but no libllama.so under $BUILD"
mkdir -p "$PREFIX/bin" "$PREFIX/lib"
cp "$built" "$BIN"
find "$BUILD" -name 'lib*.so*' \( -type f -o -type l \) -exec cp -P {} "$PREFIX/lib/" \;
strip "$BIN" 2>/dev/null || true
find "$PREFIX/lib" -type f -name 'lib*.so*' -exec strip --strip-unneeded {} \; 2>/dev/null || true
ls -l "$PREFIX/lib" >>"$LOG_FILE"
"$BIN" --version >>"$LOG_FILE" 2>&1 || die "$BIN --version failed"
# Every library must resolve inside the prefix (RUNPATH), not from the build tree about to go.
deps="$(ldd "$BIN" "$PREFIX"/lib/lib*.so 2>&1)" || die "ldd failed on $BIN: $deps"
echo "$deps" >>"$LOG_FILE"
if grep -q 'not found' <<<"$deps" || grep -qF "$BUILD/" <<<"$deps"; then
  die "a library of llama-server does not resolve inside $PREFIX/lib (see the ldd output in $LOG_FILE)"
fi

# The source and the object files are not needed to run the server.
rm -rf "$SRC" "$BUILD"
echo "built in $(elapsed)" >>"$LOG_FILE"
date -u +%FT%TZ >"$MARKER"
log "done in $(elapsed); cache $(human_size "$PREFIX") at $PREFIX"
echo "$BIN"
