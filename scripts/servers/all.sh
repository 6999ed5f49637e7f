#!/usr/bin/env bash
# Build or install every real server the live tests start, in order, into the cache outside the
# clone (see README.md and _common.sh for the options). Each step is a no-op when its cache is
# complete, so a warm run takes well under a second; a cold one took 10.5 minutes on 2 cores
# (llama-server 5.6 incl. the 76 MB sdist download, llama-cpp-python 4.1, transformers serve 0.8
# with pip's cache warm). Prints one "name<TAB>path" line per server at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

llama_server="$(bash "$here/build-llama-server.sh")"
llama_cpp_python="$(bash "$here/build-llama-cpp-python.sh")"
transformers_serve="$(bash "$here/setup-transformers-serve.sh")"

printf 'llama-server\t%s\n' "$llama_server"
printf 'llama-cpp-python\t%s\n' "$llama_cpp_python"
printf 'transformers-serve\t%s\n' "$transformers_serve"
