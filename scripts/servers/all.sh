#!/usr/bin/env bash
# Build or install every real server the live tests start, in order, into the cache outside the
# clone (see README.md and _common.sh for the options). Each step is a no-op when its cache is
# complete, so a warm run takes about a second. llama.cpp is compiled once, by build-llama-server.sh,
# for both llama-server and llama-cpp-python. Cold times are in README.md. Prints one
# "name<TAB>path" line per server at the end (stdout); progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

llama_server="$(bash "$here/build-llama-server.sh")"
llama_cpp_python="$(bash "$here/build-llama-cpp-python.sh")"
transformers_serve="$(bash "$here/setup-transformers-serve.sh")"
vllm="$(bash "$here/setup-vllm.sh")"

printf 'llama-server\t%s\n' "$llama_server"
printf 'llama-cpp-python\t%s\n' "$llama_cpp_python"
printf 'transformers-serve\t%s\n' "$transformers_serve"
printf 'vllm\t%s\n' "$vllm"
