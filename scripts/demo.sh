#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): installs what is
# missing, builds passnum and passnumd, makes a demo home under ./demo and
# shows what it holds. Run it again to reuse the same demo home.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j"$(nproc)"

bin=$root/build/release
export PASSNUM_HOME=$root/demo/home
mkdir -p demo
if [ ! -e "$PASSNUM_HOME/passnum.db" ]; then
	"$bin/passnum" init --operator "Opérateur de démonstration" --origin "passnum.localhost/demo"
fi
echo
echo "Demo home: $PASSNUM_HOME"
"$bin/passnum" keys list
