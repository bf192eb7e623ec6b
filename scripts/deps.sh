#!/usr/bin/env bash
# Installs the Debian packages passnum needs that are missing. Idempotent:
# runs `apt-get update` only when something has to be installed.
#   scripts/deps.sh build   what building needs
#   scripts/deps.sh test    building plus the test tools
#   scripts/deps.sh fuzz    test plus clang's libFuzzer runtime
set -euo pipefail
what=${1:-build}

build=(build-essential cmake pkg-config libsodium-dev nettle-dev libsqlite3-dev libqrencode-dev
       zlib1g-dev libmicrohttpd-dev libjansson-dev libcairo2-dev libxml2-dev libcmocka-dev
       fonts-dejavu-core curl libcurl4-gnutls-dev)
test=(zbar-tools poppler-utils sqlite3 valgrind python3 gnutls-bin jq chromium nodejs libxml2-utils
      dpkg-dev lintian man-db systemd)
fuzz=(clang libclang-rt-14-dev)

want=("${build[@]}")
case "$what" in
	build) ;;
	test) want+=("${test[@]}") ;;
	fuzz) want+=("${test[@]}" "${fuzz[@]}") ;;
	*) echo "usage: scripts/deps.sh build|test|fuzz" >&2; exit 2 ;;
esac

# The official pain.001.001.03 schema for tests/scenario/test_settle.sh: Debian
# ships it in tryton-modules-account-payment-sepa (its tests); only that .deb
# is fetched and unpacked, since installing it would bring Tryton's server.
sepa_xsd_dir=/usr/local/share/passnum-test/xsd
sepa_xsd() {
	[ -f "$sepa_xsd_dir/pain.001.001.03.xsd" ] && return 0
	local tmp
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	(cd "$tmp" && { apt-get download -qq tryton-modules-account-payment-sepa 2>/dev/null ||
		{ apt-get update -qq && apt-get download -qq tryton-modules-account-payment-sepa; }; } &&
		dpkg-deb -x ./*.deb x)
	mkdir -p "$sepa_xsd_dir"
	find "$tmp/x" -name pain.001.001.03.xsd -exec cp {} "$sepa_xsd_dir/" \;
	rm -rf "$tmp"
}
[ "$what" = build ] || sepa_xsd

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
