#!/usr/bin/env bash
# The Debian package (issue 16, items 1, 2, 6): a Release build of passnum and
# passnumd made here from PASSNUM_SOURCE_DIR with CMAKE_INSTALL_PREFIX=/usr,
# `cpack -G DEB`, then its control data and contents (dpkg-deb -I / -c), the
# man pages against the --help texts (man -l), the bash completion, the
# systemd unit (systemd-analyze verify), the sysusers.d and tmpfiles.d
# entries, and lintian (no error) where these tools are installed. Skips
# (exit 0 with a note) only when cpack or dpkg-deb is missing.
. "$(dirname "$0")/lib.sh"
: "${PASSNUM_SOURCE_DIR:?run through ctest}"
for tool in cpack dpkg-deb; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh test)"; exit 0; }
done
REL=$WORK/rel
cmake -S "$PASSNUM_SOURCE_DIR" -B "$REL" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	-DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >"$WORK/cmake.log" 2>&1 || fail "configure: $(tail -5 "$WORK/cmake.log")"
cmake --build "$REL" -j2 --target passnum passnumd passnum_packaging >"$WORK/build.log" 2>&1 ||
	fail "build: $(grep -m5 error "$WORK/build.log")"
(cd "$REL" && cpack -G DEB >"$WORK/cpack.log" 2>&1) || fail "cpack: $(tail -5 "$WORK/cpack.log")"
DEB=$(ls "$REL"/passnum_*_*.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || { fail "no passnum_*.deb in $REL"; finish; exit; }
ok

# Control data.
info=$(dpkg-deb -I "$DEB")
contains "$info" "Package: passnum" "dpkg-deb -I"
contains "$info" "Section: admin" "dpkg-deb -I"
for dep in libsodium23 libsqlite3-0 libmicrohttpd12 libjansson4 "systemd | systemd-standalone-sysusers"; do
	contains "$info" "$dep" "Depends"
done
for script in postinst prerm postrm; do contains "$info" "$script" "control scripts"; done

# Contents: paths and modes.
list=$(dpkg-deb -c "$DEB")
for path in ./usr/bin/passnum ./usr/bin/passnumd; do
	grep -qE "^-rwxr-xr-x root/root .* $path$" <<<"$list" && ok || fail "$path missing or not 0755 root"
done
for path in ./usr/share/man/man1/passnum.1.gz ./usr/share/man/man8/passnumd.8.gz \
	./lib/systemd/system/passnumd.service ./lib/systemd/system/passnum-escrow@.service \
	./lib/systemd/system/passnum-escrow@.timer ./usr/lib/sysusers.d/passnum.conf \
	./usr/lib/tmpfiles.d/passnum.conf ./usr/share/passnum/prometheus/passnumd-alerts.yml \
	./usr/share/bash-completion/completions/passnum \
	./usr/share/bash-completion/completions/passnumd ./usr/share/doc/passnum/copyright \
	./usr/share/doc/passnum/changelog.gz ./usr/share/doc/passnum/operations.md; do
	grep -qE "^-rw-r--r-- root/root .* $path$" <<<"$list" && ok || fail "$path missing or not 0644 root"
done
grep -q ' \./var/' <<<"$list" && fail "the package ships files in /var (the home is made by tmpfiles.d)" || ok

X=$WORK/x
dpkg-deb -x "$DEB" "$X" || fail "dpkg-deb -x"
"$X/usr/bin/passnum" --version >/dev/null && ok || fail "the packaged passnum does not run"
grep -q 'PASSNUM_NOW' "$X/usr/bin/passnum" && fail "the packaged passnum honours PASSNUM_NOW (a test build)" || ok
equals "$(cat "$X/usr/lib/tmpfiles.d/passnum.conf" | grep -v '^#')" "d /var/lib/passnum 0700 passnum passnum -" "tmpfiles.d"
contains "$(cat "$X/usr/lib/sysusers.d/passnum.conf")" "u passnum - " "sysusers.d"

# Man pages in step with --help: every verb of `passnum --help`, every
# option of it and of `passnumd --help` appears on the rendered page.
if command -v man >/dev/null; then
	page1=$(MANWIDTH=200 man -l "$X/usr/share/man/man1/passnum.1.gz" 2>/dev/null | col -b)
	page8=$(MANWIDTH=200 man -l "$X/usr/share/man/man8/passnumd.8.gz" 2>/dev/null | col -b)
	verbs=$("$X/usr/bin/passnum" --help | sed -n '/^Verbs:/,$s/^  \([a-z][a-z-]*\) .*/\1/p')
	[ "$(wc -w <<<"$verbs")" -ge 10 ] && ok || fail "too few verbs read from passnum --help: $verbs"
	for verb in $verbs; do
		grep -qE "^ +$verb$|^ +$verb " <<<"$page1" && ok || fail "passnum(1) does not describe the verb $verb"
	done
	for opt in $("$X/usr/bin/passnum" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$opt" <<<"$page1" && ok || fail "passnum(1) does not name $opt"
	done
	for opt in $("$X/usr/bin/passnumd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$opt" <<<"$page8" && ok || fail "passnumd(8) does not name $opt"
	done
else
	echo "note: man is not installed: man pages not checked"
fi

# Bash completion: verbs, sub-verbs and options come from the binaries.
complete_words() { # complete_words WORD...: what <TAB> offers after them
	PATH="$X/usr/bin:$PATH" bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _${1}; printf "%s\n" "${COMPREPLY[@]}"' \
		"$X/usr/share/bash-completion/completions/passnum" "$@"
}
for verb in $verbs; do contains "$(complete_words passnum "")" "$verb" "completion of verbs"; done
contains "$(complete_words passnum ledger "")" "verify" "completion of ledger's sub-verbs"
contains "$(complete_words passnum batch issue --c)" "--campaign" "completion of batch issue's options"
contains "$(complete_words passnumd --tls)" "--tls-cert" "completion of passnumd's options"

# The unit: hardening present; reload is SIGHUP (passnumd re-reads its TLS files).
unit=$X/lib/systemd/system/passnumd.service
for line in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
	ReadWritePaths=/var/lib/passnum "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	MemoryDenyWriteExecute=yes SystemCallFilter=@system-service CapabilityBoundingSet= User=passnum \
	"ExecStart=/usr/bin/passnumd --home /var/lib/passnum" 'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$line" "$unit" && ok || fail "passnumd.service lacks $line"
done
escrow=$X/lib/systemd/system/passnum-escrow@.service
for line in Type=oneshot User=passnum NoNewPrivileges=yes ProtectSystem=strict PrivateNetwork=yes \
	ReadWritePaths=/var/lib/passnum; do
	grep -qxF "$line" "$escrow" && ok || fail "passnum-escrow@.service lacks $line"
done
contains "$(cat "$escrow")" "export escrow --funder \"\$1\"" "the escrow unit runs export escrow"
contains "$(cat "$X/lib/systemd/system/passnum-escrow@.timer")" "OnCalendar=Mon" "weekly timer"
if command -v systemd-analyze >/dev/null; then
	# The installed path does not exist on a build machine: verify a copy
	# whose ExecStart names the extracted binary; any complaint fails.
	mkdir -p "$WORK/unit"
	sed "s#/usr/bin/passnumd#$X/usr/bin/passnumd#" "$unit" >"$WORK/unit/passnumd.service"
	verify=$(systemd-analyze verify --man=no "$WORK/unit/passnumd.service" 2>&1)
	equals "$verify" "" "systemd-analyze verify"
	# The weekly escrow (docs/operations.md): an instance for funder 3.
	sed "s#/usr/bin/passnum #$X/usr/bin/passnum #" "$X/lib/systemd/system/passnum-escrow@.service" \
		>"$WORK/unit/passnum-escrow@3.service"
	cp "$X/lib/systemd/system/passnum-escrow@.timer" "$WORK/unit/passnum-escrow@3.timer"
	verify=$(cd "$WORK/unit" && systemd-analyze verify --man=no passnum-escrow@3.service \
		passnum-escrow@3.timer 2>&1)
	equals "$verify" "" "systemd-analyze verify of the escrow units"
	score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | grep -o 'exposure level for passnumd.service: [0-9.]*')
	echo "note: systemd-analyze security: ${score:-not available}"
else
	echo "note: systemd-analyze is not installed: unit not verified"
fi

if command -v lintian >/dev/null; then
	lint=$(lintian "$DEB" 2>/dev/null)
	grep -q '^E:' <<<"$lint" && fail "lintian errors: $(grep '^E:' <<<"$lint")" || ok
	[ -n "$lint" ] && echo "lintian: $lint"
else
	echo "note: lintian is not installed: package not linted"
fi
finish
