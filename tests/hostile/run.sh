#!/usr/bin/env bash
# The hostile catalogue's runner (docs/security.md, "Hostile catalogue"):
# every case of http.cases against the real passnumd, every case of
# cli.cases against the real passnum, on a fresh home set up here. For each
# case: the status (exit code) and JSON error code (one line on stderr for
# the CLI), the database unchanged (sha256 of `sqlite3 passnum.db .dump`,
# before and after) unless the case is marked `writes`, and the daemon
# still alive (its process, and GET /v1/health → 200). A case marked
# `known-bad: WORDING` is a defect known and being fixed: it is run and
# reported apart (KNOWN-BAD, still wrong / now right), never counted as a
# pass nor as a failure — except that a crash of the daemon always fails.
# Run through ctest (hostile.catalogue); HOSTILE_ONLY=ID-PATTERN runs a
# subset, HOSTILE_VERBOSE=1 prints every case.
source "$PASSNUM_SOURCE_DIR/tests/scenario/lib.sh"
source "$PASSNUM_SOURCE_DIR/tests/scenario/daemon_lib.sh"
DIR=$PASSNUM_SOURCE_DIR/tests/hostile
declare -A VARS
passed=0 known_still=0 known_now=0
known_report=()

# hostile_setup: the home of daemon_lib's setup_home, made on 2026-12-01 so
# that a campaign that ended on 2026-12-31 has expired passes by the daemon's
# 2027-03-12; a redeemed pass (key k-used), a revoked pass, a revoked token,
# and a second home (another operator) whose passes are foreign here.
hostile_setup() {
	local now=$PASSNUM_NOW
	export PASSNUM_NOW=2026-12-01T10:00:00Z
	setup_home
	pn --home "$H" campaign create --funder 1 --name "Cexp" --value 10 --last-day 2026-12-31 \
		--tolerance-days 0 --departments 93 >/dev/null || fail "campaign exp"
	mkdir -p "$WORK/exp" "$WORK/foreign"
	pn --home "$H" batch issue --campaign 2 --count 2 --out "$WORK/exp" --format csv >/dev/null ||
		fail "batch exp"
	# Issue 15: two distributors; booklet 3 (passes 21-30) in the first's
	# stock, booklet 4 (passes 31-40) in the second's.
	pn --home "$H" distributor add "CCAS de test" >/dev/null && pn --home "$H" distributor add "CAF de test" >/dev/null &&
		pn --home "$H" booklet deliver 3 --distributor 1 >/dev/null &&
		pn --home "$H" booklet deliver 4 --distributor 2 >/dev/null || fail "distributors"
	T_DISTRIBUTOR=$(pn --home "$H" token create --role distributor --id 1)
	T_DISTRIBUTOR2=$(pn --home "$H" token create --role distributor --id 2)
	T_REVOKED=$(pn --home "$H" token create --role place --id 1)
	pn --home "$H" token revoke "$T_REVOKED" >/dev/null || fail "token revoke"
	pn --home "$H" voucher revoke "$(code 5)" --yes >/dev/null || fail "voucher revoke"
	local H2=$WORK/home2
	pn --home "$H2" init --operator "Autre opérateur" --origin other.example/ledger >/dev/null &&
		pn --home "$H2" funder add "Autre" >/dev/null && pn --home "$H2" funder order 1 1000 --ref X >/dev/null &&
		pn --home "$H2" campaign create --funder 1 --name O --value 10 --last-day 2027-06-30 >/dev/null &&
		pn --home "$H2" batch issue --campaign 1 --count 1 --out "$WORK/foreign" --format csv >/dev/null ||
		fail "foreign home"
	export PASSNUM_NOW=$now
	printf "failure-burst = 1000000\nfailures-per-minute = 1000000\ncheckpoint-seconds = 86400\ncheckpoint-entries = 100000000\n" >"$H/passnumd.conf"
	hostile_vars
}

# hostile_vars: the ${NAME} placeholders the catalogues may use.
hostile_vars() {
	local exp foreign tool="node $DIR/pass_tool.js"
	exp=$(ls "$WORK"/exp/batch-*.csv | head -1)
	foreign=$(ls "$WORK"/foreign/batch-*.csv | head -1)
	VARS[PASS]=$(pass 2) VARS[PASS3]=$(pass 3) VARS[CODE]=$(code 2) VARS[CODE3]=$(code 3)
	VARS[SERIAL]=$(serial 2)
	VARS[PASS31]=$(pass 31) VARS[CODE21]=$(code 21)
	VARS[REDEEMED]=$(pass 1) VARS[REDEEMED_CODE]=$(code 1)
	VARS[REDEEMED_LOWER]=$($tool prefix "$(pass 1)" pn1:)
	VARS[REVOKED_PASS]=$(pass 5) VARS[REVOKED_CODE]=$(code 5)
	VARS[EXPIRED_PASS]=$(sed -n 2p "$exp" | cut -d, -f3) VARS[EXPIRED_CODE]=$(sed -n 2p "$exp" | cut -d, -f2)
	VARS[FOREIGN_PASS]=$(sed -n 2p "$foreign" | cut -d, -f3)
	VARS[FOREIGN_CODE]=$(sed -n 2p "$foreign" | cut -d, -f2)
	VARS[FLIP_VERSION]=$($tool flip "$(pass 2)" 0) VARS[FLIP_KEY_ID]=$($tool flip "$(pass 2)" 2)
	VARS[FLIP_SERIAL]=$($tool flip "$(pass 2)" 9) VARS[FLIP_SIGNED]=$($tool flip "$(pass 2)" 20)
	VARS[FLIP_SIGNATURE]=$($tool flip "$(pass 2)" 60) VARS[FLIP_LAST]=$($tool flip "$(pass 2)" 92)
	VARS[VERSION_2]=$($tool version "$(pass 2)" 2) VARS[VERSION_0]=$($tool version "$(pass 2)" 0)
	VARS[CUT_92]=$($tool cut "$(pass 2)" 92) VARS[CUT_29]=$($tool cut "$(pass 2)" 29)
	VARS[PREFIX_PN2]=$($tool prefix "$(pass 2)" PN2:) VARS[PREFIX_LOWER]=$($tool prefix "$(pass 2)" pn1:)
	VARS[PREFIX_NONE]=$($tool prefix "$(pass 2)" "")
	VARS[T_PLACE]=$T_PLACE VARS[T_ADMIN]=$T_ADMIN VARS[T_REVOKED]=$T_REVOKED
	VARS[KEY128]=$(printf 'k%.0s' $(seq 128)) VARS[KEY129]=$(printf 'k%.0s' $(seq 129))
	# A code with one digit too many, its check character still last (a
	# digit appended after a check symbol such as '$' would be refused as a
	# bad character instead: the cases must not depend on the random code).
	VARS[CODE_LONG]="${VARS[CODE]%-*}0-${VARS[CODE]##*-}"
	VARS[KEY128E]=$(printf 'é%.0s' $(seq 128)) VARS[KEY100E]=$(printf 'é%.0s' $(seq 100))
	VARS[LONG300]=$(printf 'a%.0s' $(seq 300)) VARS[LONG5000]=$(printf 'a%.0s' $(seq 5000))
	VARS[LONG70000]=$(head -c 70000 /dev/zero | tr '\0' a)
}

# trim NAME...: removes the spaces at both ends of each variable named.
trim() {
	local _n _s
	for _n in "$@"; do
		_s=${!_n}
		_s=${_s#"${_s%%[! ]*}"}
		printf -v "$_n" '%s' "${_s%"${_s##*[! ]}"}"
	done
}

# expand TEXT: TEXT with its ${NAME} placeholders replaced.
expand() {
	local s=$1 k
	for k in "${!VARS[@]}"; do s=${s//\$\{$k\}/${VARS[$k]}}; done
	printf '%s' "$s"
}

# unescape: stdin to stdout with each \xHH made its byte; unescape_raw:
# \r and \n too (raw requests; JSON bodies keep their own escapes).
unescape() {
	perl -pe 's/\\x([0-9a-fA-F]{2})/chr hex $1/ge'
}
unescape_raw() {
	perl -pe 's/\\r/\r/g; s/\\n/\n/g; s/\\x([0-9a-fA-F]{2})/chr hex $1/ge'
}

# body_file SPEC FILE: writes a case's body into FILE; returns 1 when none.
body_file() {
	local spec=$1 file=$2
	case "$spec" in
		-) return 1 ;;
		=*) expand "${spec#=}" | ${UNESCAPE:-unescape} >"$file" ;;
		@*) cp "$DIR/bodies/${spec#@}" "$file" ;;
		gen:bytes:*) local n=${spec#gen:bytes:}; head -c "${n%%:*}" /dev/zero | tr '\0' "$(printf "\\x${n#*:}")" >"$file" ;;
		gen:nest:*) local n=${spec#gen:nest:}
			{ printf '{"vouchers":'; printf '[%.0s' $(seq "$n"); printf ']%.0s' $(seq "$n"); printf '}'; } >"$file" ;;
		gen:vouchers:*) local n=${spec#gen:vouchers:}
			jq -cn --arg c "${VARS[CODE]}" --argjson n "$n" \
				'{vouchers: [range($n) | $c], service: "atelier", idempotency_key: "gen"}' >"$file" ;;
		*) fail "unknown body $spec"; return 1 ;;
	esac
}

fingerprint() {
	sqlite3 "$H/passnum.db" .dump | sha256sum | cut -d' ' -f1
}

# alive: the daemon answers GET /v1/health with 200; restarts it if not.
alive() {
	local st
	st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$URL/v1/health")
	if kill -0 "$DAEMON_PID" 2>/dev/null && [ "$st" = 200 ]; then return 0; fi
	fail "$1: the daemon is down after it (health $st): $(tail -3 "$WORK/daemon.err")"
	stop_daemon
	start_daemon
	return 1
}

# one_of GOT LIST: whether GOT is one of the /-separated LIST.
one_of() {
	case "/$2/" in *"/$1/"*) return 0 ;; esac
	return 1
}

# send_curl METHOD PATH AUTH HEADERS BODYSPEC: sets got_status, got_body.
send_curl() {
	local method=$1 path auth=$3 headers=$4 spec=$5 h
	local args=(-s --path-as-is --max-time 20 -o "$WORK/resp" -w '%{http_code}' -X "$method")
	path=$(expand "$2" | unescape)
	case "$auth" in
		none) ;;
		place) args+=(-H "Authorization: Bearer $T_PLACE") ;;
		place2) args+=(-H "Authorization: Bearer $T_PLACE2") ;;
		admin) args+=(-H "Authorization: Bearer $T_ADMIN") ;;
		funder) args+=(-H "Authorization: Bearer $T_FUNDER") ;;
		distributor) args+=(-H "Authorization: Bearer $T_DISTRIBUTOR") ;;
		distributor2) args+=(-H "Authorization: Bearer $T_DISTRIBUTOR2") ;;
		revoked) args+=(-H "Authorization: Bearer $T_REVOKED") ;;
		raw:*) args+=(-H "Authorization: $(expand "${auth#raw:}" | unescape)") ;;
		*) fail "unknown auth $auth" ;;
	esac
	if body_file "$spec" "$WORK/req"; then
		args+=(--data-binary "@$WORK/req")
		case "$headers" in *[Cc]ontent-[Tt]ype*) ;; *) args+=(-H 'Content-Type: application/json') ;; esac
	fi
	if [ "$headers" != - ]; then
		while IFS= read -r h || [ -n "$h" ]; do [ -n "$h" ] && args+=(-H "$h"); done < <(expand "$headers" | unescape | sed 's/;;/\n/g')
	fi
	[ -n "${HOSTILE_DEBUG:-}" ] && declare -p args >&2
	rm -f "$WORK/resp" # curl leaves the file alone when nothing came back
	got_status=$(curl "${args[@]}" "$URL$path")
	got_body=$(tr -d '\0' <"$WORK/resp" 2>/dev/null)
}

# send_raw BODYSPEC: the body is the whole request, sent on its own
# connection; sets got_status (first status line) and got_body.
send_raw() {
	local host=${URL#http://}
	UNESCAPE=unescape_raw body_file "$1" "$WORK/req" || return
	exec 3<>"/dev/tcp/${host%:*}/${host##*:}"
	cat "$WORK/req" >&3
	timeout 5 cat <&3 >"$WORK/resp"
	exec 3<&- 3>&-
	got_status=$(head -1 "$WORK/resp" | cut -d' ' -f2)
	got_body=$(sed '1,/^\r$/d' "$WORK/resp" | head -c 4096 | tr -d '\0')
}

# judge ID WANT_STATUS WANT_CODE FLAGS BEFORE: checks the outcome of a case;
# prints why it is wrong, or nothing.
judge() {
	local id=$1 want=$2 code=$3 flags=$4 before=$5 got_code=- after
	if [ "${got_status:-000}" -ge 400 ] 2>/dev/null; then
		got_code=$(printf '%s' "$got_body" | jq -r '.error.code // "(no error.code)"' 2>/dev/null) ||
			got_code="(not JSON)"
	fi
	why=
	one_of "$got_status" "$want" || why="status $got_status, wanted $want;"
	case "$got_code" in "(not JSON)"|"(no error.code)")
		why="$why the error is not the JSON error body ($got_code);" ;; esac
	[ "$code" = - ] || one_of "$got_code" "$code" || why="$why code $got_code, wanted $code;"
	after=$(fingerprint)
	case "$flags" in *writes*) ;; *)
		[ "$after" = "$before" ] || why="$why the database changed;" ;;
	esac
	last_fingerprint=$after
}

# run_http_case LINE
run_http_case() {
	local id method path auth headers want code flags spec before known
	IFS='|' read -r id method path auth headers want code flags spec <<<"$1"
	trim id method path headers want code flags
	auth=${auth# } auth=${auth% } spec=${spec# }
	[ -n "${HOSTILE_ONLY:-}" ] && [[ ! $id =~ $HOSTILE_ONLY ]] && return
	before=$last_fingerprint
	case "$flags" in
		*raw*) send_raw "$spec" ;;
		*) send_curl "$method" "$path" "$auth" "$headers" "$spec" ;;
	esac
	judge "$id" "$want" "$code" "$flags" "$before"
	alive "$id" || why="$why the daemon died;"
	report "http $id" "$flags" "$method $(printf '%.60s' "$path")"
}

# report NAME FLAGS WHAT: counts the case judged (why: empty when right).
report() {
	local name=$1 flags=$2 known
	case "$flags" in *known-bad:*) known=${flags#*known-bad:} ;; *) known= ;; esac
	trim known
	if [ -n "$known" ]; then
		case "$why" in *"daemon died"*) fail "$name ($3): $why" ;; esac
		if [ -n "$why" ]; then
			known_still=$((known_still + 1)); known_report+=("KNOWN-BAD $name: still wrong ($why) — $known")
		else
			known_now=$((known_now + 1)); known_report+=("KNOWN-BAD $name: now right, remove the mark — $known")
		fi
	elif [ -n "$why" ]; then
		fail "$name ($3): $why body: $(printf '%.200s' "$got_body")"
	else
		passed=$((passed + 1)); ok
		[ -n "${HOSTILE_VERBOSE:-}" ] && echo "ok $name"
	fi
	return 0
}

# run_cli_case LINE: "ID | EXIT | FLAGS | ARGV" (ARGV in shell words,
# ${NAME} placeholders and $'\xff' allowed).
run_cli_case() {
	local id want flags argv before got args=()
	IFS='|' read -r id want flags argv <<<"$1"
	trim id want flags
	[ -n "${HOSTILE_ONLY:-}" ] && [[ ! $id =~ $HOSTILE_ONLY ]] && return
	eval "args=($(expand "$argv"))"
	before=$(fingerprint)
	"$PASSNUM_BIN" --home "$H" "${args[@]}" >"$WORK/cli_out" 2>"$WORK/cli_err" </dev/null
	got=$?
	why=
	one_of "$got" "$want" || why="exit $got, wanted $want;"
	if [ "$got" -ne 0 ] && [ "$(wc -l <"$WORK/cli_err")" -ne 1 ]; then
		why="$why stderr is not one line ($(wc -l <"$WORK/cli_err") lines);"
	fi
	if ! utf8_ok "$WORK/cli_err"; then why="$why stderr is not valid UTF-8;"; fi
	case "$flags" in *writes*) ;; *) [ "$(fingerprint)" = "$before" ] || why="$why the database changed;" ;; esac
	got_body=$(head -c 300 "$WORK/cli_err")
	report "cli $id" "$flags" "passnum $(printf '%.60s' "$argv")"
}

utf8_ok() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}

# cases FILE: the non-comment, non-blank lines of FILE.
cases() {
	grep -v '^[[:space:]]*#' "$1" | grep -v '^[[:space:]]*$'
}

hostile_setup
start_daemon
# The state the catalogue assumes: pass 1 redeemed with key k-used.
req POST /v1/redemptions "$T_PLACE" "$(redeem_body atelier k-used "$(pass 1)")"
expect_http 201
# A checkpoint is due (the last one is months old by the daemon's clock):
# make it now, so that the daemon's writer, which would make it within a
# second or two (or, on a loaded machine, later), never lands one during a
# case. Whichever of the two signs first, the other finds it made
# (checkpoint_make checks again inside its write transaction).
pn --home "$H" ledger checkpoint >/dev/null || fail "ledger checkpoint after start"
curl -s "$URL/v1/health" | jq -e '.checkpoint.size == .ledger_size' >/dev/null ||
	fail "no checkpoint of the whole ledger after start"
n_http=0
last_fingerprint=$(fingerprint)
while IFS= read -r line; do
	run_http_case "$line"
	n_http=$((n_http + 1))
done < <(cases "$DIR/http.cases")
stop_daemon
n_cli=0
while IFS= read -r line; do
	run_cli_case "$line"
	n_cli=$((n_cli + 1))
done < <(cases "$DIR/cli.cases")

echo "hostile catalogue: $n_http HTTP cases, $n_cli CLI cases: $passed right," \
	"$failures wrong, $((known_still + known_now)) known-bad (not counted as passes:" \
	"$known_still still wrong, $known_now now right)"
for k in "${known_report[@]}"; do echo "$k"; done
finish
