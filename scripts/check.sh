#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (as root): installs what is
# missing, builds the test build, the ASan+UBSan build and the ThreadSanitizer
# build, and runs every test of the first two and passnumd's scenario tests
# (its worker threads, writer thread and caches) under the third, with ctest.
# This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/deps.sh test

cmake -S . -B build/test -DPASSNUM_TEST_BUILD=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/test -j"$jobs"
cmake -S . -B build/asan -DPASSNUM_TEST_BUILD=ON -DPASSNUM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$jobs"
cmake -S . -B build/tsan -DPASSNUM_TEST_BUILD=ON -DPASSNUM_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/tsan -j"$jobs" --target passnum passnumd

status=0
echo "== test build =="
(cd build/test && ctest --output-on-failure -j"$jobs") || status=1
echo "== ASan+UBSan build =="
(cd build/asan && ctest --output-on-failure -j"$jobs" -LE nosan) || status=1
echo "== ThreadSanitizer build: passnumd's scenario tests =="
(cd build/tsan && TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	ctest --output-on-failure -j"$jobs" -L scenario -R 'daemon|ledger_concurrent') || status=1
exit $status
