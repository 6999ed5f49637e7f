# shellcheck shell=bash
# Shared helpers for the scripts in scripts/servers/. Sourced, never run.
#
# Everything these scripts build or install lives in a cache OUTSIDE the clone, keyed by version:
#   CHAT_CONFORMANCE_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/chat-conformance
#   LLAMA_CPP_PYTHON_VERSION default 0.3.36 (the llama.cpp tree inside that sdist is what we build)
#   LLAMA_CPP_PYTHON_SDIST   optional path to an already-downloaded llama_cpp_python-<v>.tar.gz
#   PYTHON                   interpreter used to create venvs / run pip (default python3)
#   JOBS                     parallel compile jobs (default 2)

set -euo pipefail

: "${LLAMA_CPP_PYTHON_VERSION:=0.3.36}"
: "${CHAT_CONFORMANCE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/chat-conformance}"
: "${PYTHON:=python3}"
: "${JOBS:=2}"
export LLAMA_CPP_PYTHON_VERSION CHAT_CONFORMANCE_CACHE

# pip must never pick a wheel or sdist it was not asked for, nor stop to ask questions.
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

_script_name="$(basename "${BASH_SOURCE[1]:-$0}")"

log() { printf '[%s %s] %s\n' "$_script_name" "$(date +%H:%M:%S)" "$*" >&2; }

die() {
  printf '\n[%s] ERROR: %s\n' "$_script_name" "$*" >&2
  if [[ -n "${LOG_FILE:-}" && -f "${LOG_FILE}" ]]; then
    printf '[%s] last 40 lines of %s:\n' "$_script_name" "$LOG_FILE" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
  fi
  exit 1
}

need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found on PATH. On Debian: apt-get install -y build-essential cmake python3-venv"
  done
}

# run CMD... : run a command with its output appended to $LOG_FILE; on failure, die with the log tail.
run() {
  printf '\n$ %s\n' "$*" >>"$LOG_FILE"
  if ! "$@" >>"$LOG_FILE" 2>&1; then
    die "command failed: $*  (full log: $LOG_FILE)"
  fi
}

# fetch_sdist DEST_DIR -> prints the path of llama_cpp_python-<v>.tar.gz, downloading it once from
# the package registry (pip download, source only) into $CHAT_CONFORMANCE_CACHE/sdist.
fetch_sdist() {
  local dir="$CHAT_CONFORMANCE_CACHE/sdist"
  local name="llama_cpp_python-${LLAMA_CPP_PYTHON_VERSION}.tar.gz"
  mkdir -p "$dir"
  if [[ -s "$dir/$name" ]] && tar tzf "$dir/$name" >/dev/null 2>&1; then
    echo "$dir/$name"; return 0
  fi
  if [[ -n "${LLAMA_CPP_PYTHON_SDIST:-}" ]]; then
    [[ -s "$LLAMA_CPP_PYTHON_SDIST" ]] || die "LLAMA_CPP_PYTHON_SDIST=$LLAMA_CPP_PYTHON_SDIST does not exist"
    cp "$LLAMA_CPP_PYTHON_SDIST" "$dir/$name.tmp" && mv "$dir/$name.tmp" "$dir/$name"
    echo "$dir/$name"; return 0
  fi
  local tmp
  tmp="$(mktemp -d "$dir/.download.XXXXXX")"
  log "downloading llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION} source distribution (pip download)"
  run "$PYTHON" -m pip download --no-deps --no-binary :all: "llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}" -d "$tmp"
  local got
  got="$(find "$tmp" -maxdepth 1 -name 'llama_cpp_python-*.tar.gz' | head -n1)"
  [[ -n "$got" ]] || die "pip download produced no llama_cpp_python-*.tar.gz in $tmp"
  mv "$got" "$dir/$name"
  rm -rf "$tmp"
  echo "$dir/$name"
}

# lock_prefix DIR : serialize concurrent runs of the same step (two CI jobs, two terminals) on one
# cache directory; the caller re-checks its marker after taking the lock.
lock_prefix() {
  mkdir -p "$1"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$1/.lock"
    if ! flock -n 9; then
      log "waiting for another run that holds $1/.lock"
      flock 9
    fi
  fi
}

# reuse_or_begin PREFIX CHECK PRINT LOG: when PREFIX holds a complete result (its .complete marker,
# written last, and the executable CHECK), print PRINT and exit 0. Otherwise take PREFIX's lock,
# look again (another run may have finished while we waited), and begin: LOG_FILE=PREFIX/LOG,
# emptied, and the marker removed until the caller writes it at the very end.
reuse_or_begin() {
  local prefix="$1" check="$2" print="$3" logname="$4"
  MARKER="$prefix/.complete"
  _reuse_if_complete "$check" "$print"
  lock_prefix "$prefix"
  _reuse_if_complete "$check" "$print"
  LOG_FILE="$prefix/$logname"
  : >"$LOG_FILE"
  rm -f "$MARKER"
}

_reuse_if_complete() {
  if [[ -f "$MARKER" && -x "$1" ]]; then
    log "cached: $2"
    echo "$2"
    exit 0
  fi
}

human_size() { du -sh "$1" 2>/dev/null | cut -f1; }
