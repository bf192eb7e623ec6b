#!/usr/bin/env bash
# On-demand install test of the Debian package on a really fresh Debian 12
# (issue 16, item 1; docs/operations.md). Needs root, debootstrap and the
# Debian mirror; takes a few minutes and ~400 MB. Not run by ctest.
#   tests/package/debootstrap.sh path/to/passnum_VERSION_ARCH.deb [ROOT]
# Makes a minbase bookworm root (ROOT, default a new /tmp directory, kept
# for inspection with --keep), apt-installs the package into it in a
# chroot, runs `passnum init` and passnumd there as the passnum user,
# checks /v1/health from the host, then removes the package and checks the
# home is kept. Prints PASS or the first failure; exit 0 only on PASS.
set -euo pipefail
keep=0
if [ "${1:-}" = "--keep" ]; then keep=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--keep] PACKAGE.deb [ROOT]" >&2; exit 2; }
deb=$(realpath "$1")
root=${2:-$(mktemp -d /tmp/passnum-bookworm.XXXXXX)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
pid=

die() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	for m in proc dev/pts dev; do umount "$root/$m" 2>/dev/null || true; done
	if [ $keep -eq 0 ]; then rm -rf --one-file-system "$root" "$root.debootstrap.log"
	else echo "root kept in $root"; fi
}
trap cleanup EXIT
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
[ -f "$deb" ] || die "no package at $deb"
chmod 0755 "$root" # mktemp's 0700 would keep the passnum user out of /
echo "== debootstrap bookworm into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
	die "debootstrap failed: $(tail -3 "$root.debootstrap.log")"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
cp "$deb" "$root/tmp/"

echo "== apt install ./$(basename "$deb")"
in_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends \
	"/tmp/$(basename "$deb")" >"$root/tmp/apt.log" 2>&1 || die "apt install: $(tail -5 "$root/tmp/apt.log")"
in_root getent passwd passnum >/dev/null || die "no passnum user after install"
mode=$(in_root stat -c '%a %U' /var/lib/passnum) || die "no /var/lib/passnum after install"
[ "$mode" = "700 passnum" ] || die "/var/lib/passnum is $mode, wanted 700 passnum"
in_root man -w passnumd >/dev/null 2>&1 || echo "note: man-db is not in minbase; man page not looked up"

echo "== passnum init and passnumd as passnum"
in_root runuser -u passnum -- passnum --home /var/lib/passnum init --operator "Opérateur d'essai" \
	--origin test.example/ledger >/dev/null || die "passnum init as passnum"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u passnum -- \
	passnumd --home /var/lib/passnum --listen 127.0.0.1:0 >"$root/tmp/passnumd.out" 2>"$root/tmp/passnumd.err" &
pid=$!
url=
for _ in $(seq 100); do
	url=$(grep -o 'http://[0-9.:]*' "$root/tmp/passnumd.out" 2>/dev/null | head -1) && [ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || die "passnumd did not start: $(cat "$root/tmp/passnumd.err")"
health=$(curl -fsS "$url/v1/health") || die "GET /v1/health failed"
echo "health: $health"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

echo "== apt remove keeps the home"
DEBIAN_FRONTEND=noninteractive in_root apt-get remove -y -qq passnum >/dev/null 2>&1 || die "apt remove"
in_root test -f /var/lib/passnum/passnum.db || die "the home's database is gone after apt remove"
echo PASS
