#!/usr/bin/env bash
# Installs the Debian packages passnum needs that are missing. Idempotent:
# runs `apt-get update` only when something has to be installed.
#   scripts/deps.sh build   what building needs
#   scripts/deps.sh test    building plus the test tools
#   scripts/deps.sh fuzz    test plus clang's libFuzzer runtime
set -euo pipefail
what=${1:-build}

build=(build-essential cmake pkg-config libsodium-dev libsqlite3-dev libqrencode-dev
       zlib1g-dev libmicrohttpd-dev libjansson-dev libcairo2-dev libxml2-dev libcmocka-dev
       fonts-dejavu-core curl)
test=(zbar-tools poppler-utils sqlite3 valgrind python3 gnutls-bin jq chromium nodejs
      dpkg-dev lintian man-db systemd)
fuzz=(clang libclang-rt-14-dev)

want=("${build[@]}")
case "$what" in
	build) ;;
	test) want+=("${test[@]}") ;;
	fuzz) want+=("${test[@]}" "${fuzz[@]}") ;;
	*) echo "usage: scripts/deps.sh build|test|fuzz" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
# Debian's nodejs comes without npm (a separate package); NodeSource's
# nodejs includes it and conflicts with Debian's npm: ask for npm only when
# the command is missing.
if [ "$what" != build ] && ! command -v npm >/dev/null 2>&1; then
	status=$(dpkg-query -W -f='${Status}' npm 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
