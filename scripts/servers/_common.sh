# shellcheck shell=bash
# Shared helpers for the scripts in scripts/servers/. Sourced, never run.
#
# Everything these scripts build or install lives in a cache OUTSIDE the clone, keyed by version:
#   CHAT_CONFORMANCE_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/chat-conformance
#   LLAMA_CPP_PYTHON_VERSION default 0.3.36 (the llama.cpp tree inside that sdist is what we build)
#   LLAMA_CPP_PYTHON_SDIST   optional path to an already-downloaded llama_cpp_python-<v>.tar.gz
#   PYTHON                   interpreter used to create venvs / run pip (default python3)
#   JOBS                     parallel compile jobs (default 2)
#   TORCH_VERSION            default 2.13.0; the venvs with torch require torch==<v>+cpu
#   TORCH_INDEX_URL          optional extra index with CPU builds of torch, e.g.
#                            https://download.pytorch.org/whl/cpu (PyTorch's CPU index)
#   PROGRESS_EVERY           seconds between progress lines on stderr during long steps (default 30)

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

_started=$SECONDS
_stage="working"
_stage_started=$SECONDS

# 6m12s
elapsed() { local s=$(( SECONDS - ${1:-$_started} )); if (( s >= 60 )); then echo "$((s / 60))m$(printf %02d $((s % 60)))s"; else echo "${s}s"; fi; }

# stage WHAT : name what the script does next (shown by the progress ticker while `run` waits).
stage() {
  _stage="$*"
  _stage_started=$SECONDS
  log "$_stage ($(elapsed) elapsed in all)"
}

# A command may run for many minutes with its output going to the log only; so that a person (or a CI
# log) can tell a slow step from a hung one, say every PROGRESS_EVERY seconds (default 30) on stderr
# what is running, for how long, and the log's last line. Never on stdout: stdout carries the path.
: "${PROGRESS_EVERY:=30}"
_ticker() {
  exec >&2 </dev/null
  local pause
  trap 'kill "$pause" 2>/dev/null; exit 0' TERM
  while :; do
    sleep "$PROGRESS_EVERY" & pause=$!
    wait "$pause" || true
    local last
    last="$(tail -n 1 "$LOG_FILE" 2>/dev/null | tr -d '\r' | cut -c1-110)"
    log "still ${_stage} ($(elapsed "$_stage_started") elapsed, log: $LOG_FILE)${last:+ | $last}"
  done
}

_ticker_pid=
trap '[[ -z "$_ticker_pid" ]] || kill "$_ticker_pid" 2>/dev/null || true' EXIT

# try_run CMD... : run a command with its output appended to $LOG_FILE, with the progress ticker
# above; returns the command's status.
try_run() {
  printf '\n$ %s\n' "$*" >>"$LOG_FILE"
  _ticker & _ticker_pid=$!
  local status=0
  "$@" >>"$LOG_FILE" 2>&1 || status=$?
  kill "$_ticker_pid" 2>/dev/null || true
  wait "$_ticker_pid" 2>/dev/null || true
  _ticker_pid=
  return "$status"
}

# run CMD... : try_run, and on failure die with the log tail.
run() {
  local status=0
  try_run "$@" || status=$?
  (( status == 0 )) || die "command failed (status $status): $*  (full log: $LOG_FILE)"
}

# install_cpu_torch VENV CONSTRAINTS : put the CPU build of torch==$TORCH_VERSION into VENV, and write
# CONSTRAINTS so that no later pip call in VENV can swap it. The requirement names the "+cpu" local
# version, which only CPU builds carry: plain PyPI has no such file (its torch for Linux is the CUDA
# build, several GB), so without a source of CPU wheels pip fails here instead of silently taking CUDA.
# Sources: a find-links folder or index pip is configured with, or TORCH_INDEX_URL (PyTorch's CPU index,
# https://download.pytorch.org/whl/cpu, on an ordinary machine), added as an extra index.
: "${TORCH_VERSION:=2.13.0}"
: "${TORCH_INDEX_URL:=}"
TORCH_CPU_INDEX_HINT="https://download.pytorch.org/whl/cpu"
install_cpu_torch() {
  local venv="$1" constraints="$2"
  local index=()
  [[ -z "$TORCH_INDEX_URL" ]] || index=(--extra-index-url "$TORCH_INDEX_URL")
  printf 'torch==%s+cpu\n' "$TORCH_VERSION" >"$constraints"
  stage "installing torch==${TORCH_VERSION}+cpu${TORCH_INDEX_URL:+ (extra index $TORCH_INDEX_URL)}"
  if ! try_run "$venv/bin/python" -m pip install "${index[@]}" -c "$constraints" "torch==${TORCH_VERSION}+cpu"; then
    # pip words a missing file as "No matching distribution" or, under a constraint file (this
    # project's machines have one), as "ResolutionImpossible": either way the CPU build was not found.
    die "pip could not install torch==${TORCH_VERSION}+cpu, the CPU build of torch (pip's own words are in the log: $LOG_FILE). Plain PyPI does not have it: set TORCH_INDEX_URL=${TORCH_CPU_INDEX_HINT} (PyTorch's CPU index) or put torch-${TORCH_VERSION}+cpu-*.whl in a pip find-links folder, then run this script again."
  fi
  torch_must_be_cpu "$venv"
}

# torch_must_be_cpu VENV : die when VENV's torch is a CUDA build (or does not import).
torch_must_be_cpu() {
  local info
  info="$("$1/bin/python" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>>"$LOG_FILE")" \
    || die "torch does not import in $1 (log: $LOG_FILE)"
  echo "torch: $info" >>"$LOG_FILE"
  case "$info" in
    *"+cpu None") ;;
    *) die "torch in $1 is '$info', not the CPU build torch==${TORCH_VERSION}+cpu (a CUDA build is several GB and needs a GPU). Set TORCH_INDEX_URL=${TORCH_CPU_INDEX_HINT} (PyTorch's CPU index) and run this script again." ;;
  esac
}

# fetch_sdist DEST_DIR -> prints the path of llama_cpp_python-<v>.tar.gz, downloading it once from
# the package registry (pip download, source only) into $CHAT_CONFORMANCE_CACHE/sdist.
# `--no-binary llama-cpp-python`, not `:all:`: pip reads the sdist's metadata in an isolated build
# environment, and `:all:` would make it build that environment's packages (scikit-build-core and
# its dependencies) from source too, minutes before anything is downloaded; they come as wheels.
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
  run "$PYTHON" -m pip download --no-deps --no-binary llama-cpp-python "llama-cpp-python==${LLAMA_CPP_PYTHON_VERSION}" -d "$tmp"
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

# Where build-llama-server.sh puts llama.cpp's shared libraries and llama-server (read by
# build-llama-cpp-python.sh and tests/servers_local.py too).
llama_cpp_prefix() { echo "$CHAT_CONFORMANCE_CACHE/llama.cpp-${LLAMA_CPP_PYTHON_VERSION}-shared"; }


# install_on_cpu_torch VENV CONSTRAINTS SPEC... : pip install SPEC into VENV with torch held to the CPU
# build by CONSTRAINTS (TORCH_INDEX_URL as an extra index when set), then check it is still that build.
install_on_cpu_torch() {
  local venv="$1" constraints="$2"
  shift 2
  local index=()
  [[ -z "$TORCH_INDEX_URL" ]] || index=(--extra-index-url "$TORCH_INDEX_URL")
  run "$venv/bin/python" -m pip install "${index[@]}" -c "$constraints" "$@"
  torch_must_be_cpu "$venv"
}
