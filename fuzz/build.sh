#!/usr/bin/env bash
# Builds the libFuzzer targets with Debian's clang, ASan and UBSan, into
# build/fuzz/fuzz/. Usage: fuzz/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z $cxx ]]; then
  echo "fuzz: clang is missing (scripts/setup.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="$flags" -DPARLEY_FUZZ=ON -DBUILD_TESTING=OFF -DPARLEY_BUILD_BENCH=OFF \
  -DPARLEY_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build build/fuzz -j"${PARLEY_JOBS:-2}" --target client_command_fuzzer static_path_fuzzer \
  rest_router_fuzzer websocket_session_fuzzer
