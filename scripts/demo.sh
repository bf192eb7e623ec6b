#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): installs what is
# missing (scripts/deps.sh build), makes a production build in build/release,
# sets up a demo home in ./demo (a funder with an order, two services, a
# labelled place, a campaign, a place token and an admin token, 20 printed
# passes in ./demo/print) and runs passnumd on 127.0.0.1 in the foreground.
#
# Run it again: it reuses ./demo/home, creates only what is missing and
# starts passnumd again, printing the same information. Tokens are shown
# once by passnum, so the demo keeps them in ./demo/tokens.txt (mode 0600).
#
# Environment:
#   PASSNUM_DEMO_PORT  the port passnumd listens on (default 8080; 0: any free port)
#   PASSNUM_DEMO_DIR   the directory in which demo/ is made (default: the
#                      working directory)
#   PASSNUM_DEMO_BIN   a directory holding passnum and passnumd: use them and
#                      skip installing and building (the tests do this)
set -euo pipefail
unset PASSNUM_NOW PASSNUM_HOME
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PASSNUM_DEMO_PORT:-8080}
demo=$(cd "${PASSNUM_DEMO_DIR:-.}" && pwd)/demo
home=$demo/home
print=$demo/print
tokens=$demo/tokens.txt

funder_name="Département de la Seine-Saint-Denis — direction de l'insertion"
funder_public="Département de la Seine-Saint-Denis"
order_ref=BC-DEMO-0001
place_name="EPN de démonstration"
place_siret=73282932000074
place_iban=FR1420041010050500013M02606
place_commune=93048
campaign_name="Démonstration — accompagnement 93"
passes=20

say() { printf '%s\n' "$*"; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

case "$port" in
	'' | *[!0-9]*) die "PASSNUM_DEMO_PORT must be a port number, not \"$port\"" ;;
esac

# --- programs --------------------------------------------------------------
if [ -n "${PASSNUM_DEMO_BIN:-}" ]; then
	bin=$(cd "$PASSNUM_DEMO_BIN" && pwd)
else
	"$root/scripts/deps.sh" build
	say "Building passnum and passnumd (production build, build/release)..."
	cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPASSNUM_TEST_BUILD=OFF -DPASSNUM_SANITIZE=OFF -DPASSNUM_FUZZ=OFF >/dev/null
	cmake --build "$root/build/release" -j"$(nproc)"
	bin=$root/build/release
fi
[ -x "$bin/passnum" ] || die "no passnum in $bin"
[ -x "$bin/passnumd" ] || die "no passnumd in $bin"

pn() { "$bin/passnum" --home "$home" "$@"; }

# listed_id LIST-OUTPUT TEXT: the id (first column) of the first row after
# the header that contains TEXT; empty when there is none.
listed_id() {
	printf '%s\n' "$1" | awk -v t="$2" '!found && NR > 1 && index($0, t) { print $1; found = 1 }'
}

# --- the demo home ------------------------------------------------------------
mkdir -p "$demo" "$print"
if [ ! -e "$home/passnum.db" ]; then
	# Tokens and passes of an earlier, deleted home are worthless here.
	if [ -e "$tokens" ] || [ -n "$(ls -A "$print")" ]; then
		old=$demo/old-$(date +%Y%m%d-%H%M%S)
		mkdir "$old"
		if [ -e "$tokens" ]; then mv "$tokens" "$old/"; fi
		mv "$print" "$old/"
		mkdir "$print"
		say "Moved the tokens and print files of an earlier demo home to $old"
	fi
	rmdir "$home" 2>/dev/null || true
	say "Creating the demo home $home"
	pn init --operator "Opérateur de démonstration" --origin "passnum.localhost/demo" >/dev/null
fi

funder=$(listed_id "$(pn funder list)" "$funder_name")
if [ -z "$funder" ]; then
	funder=$(pn funder add "$funder_name" --public-name "$funder_public")
	say "funder $funder: $funder_public"
fi
if [ "$(pn funder show "$funder" | sed -n 's/^owed on orders: //p')" = 0.00 ]; then
	pn funder order "$funder" 5000 --ref "$order_ref" >/dev/null
	say "order $order_ref: 5000.00 EUR for funder $funder"
fi

services=$(pn service list)
if [ -z "$(printf '%s\n' "$services" | awk 'NR > 1 && $2 == "atelier"')" ]; then
	pn service add atelier "Atelier numérique" >/dev/null
	say "service atelier: 1 pass"
fi
if [ -z "$(printf '%s\n' "$services" | awk 'NR > 1 && $2 == "demarches"')" ]; then
	pn service add demarches "Accompagnement aux démarches en ligne" --passes 2 >/dev/null
	say "service demarches: 2 passes"
fi

place=$(listed_id "$(pn place list)" "$place_name")
if [ -z "$place" ]; then
	place=$(pn place add "$place_name" --siret "$place_siret" --commune "$place_commune" \
		--iban "$place_iban" --type epn --services atelier,demarches)
	say "place $place: $place_name (INSEE $place_commune)"
fi
if [ "$(pn place show "$place" | sed -n 's/^label: \([a-z]*\).*/\1/p')" != labelled ]; then
	pn place label "$place" >/dev/null
	say "place $place labelled"
fi

campaign=$(listed_id "$(pn campaign list --funder "$funder")" "$campaign_name")
if [ -z "$campaign" ]; then
	campaign=$(pn campaign create --funder "$funder" --name "$campaign_name" --value 10 \
		--last-day "$(($(date +%Y) + 1))-12-31" --departments 93)
	say "campaign $campaign: 10.00 EUR passes, Seine-Saint-Denis"
fi

# Secrets are printed once by `token create`: keep each as soon as made.
touch "$tokens"
chmod 600 "$tokens"
token_of() { sed -n "s/^$1=//p;T;q" "$tokens"; }
if [ -z "$(token_of PLACE_TOKEN)" ]; then
	t=$(pn token create --role place --id "$place")
	printf 'PLACE_TOKEN=%s\n' "$t" >>"$tokens"
fi
if [ -z "$(token_of ADMIN_TOKEN)" ]; then
	t=$(pn token create --role admin)
	printf 'ADMIN_TOKEN=%s\n' "$t" >>"$tokens"
fi
place_token=$(token_of PLACE_TOKEN)
admin_token=$(token_of ADMIN_TOKEN)

pdf=$(ls "$print"/batch-*.pdf 2>/dev/null | head -1 || true)
if [ -z "$pdf" ]; then
	batch=$(pn batch issue --campaign "$campaign" --count "$passes" --booklet 10 \
		--out "$print" --format pdf,csv,png)
	say "batch $batch: $passes passes in $print"
	pdf=$(ls "$print"/batch-*.pdf | head -1)
fi
csv=${pdf%.pdf}.csv
[ -e "$csv" ] || die "no $csv beside $pdf"
code=$(sed -n 2p "$csv" | cut -d, -f2)
commune=$(pn place show "$place" | sed -n 's/^commune: [0-9AB]* \([^(]*\) (.*/\1/p')

# --- passnumd ------------------------------------------------------------
banner() {
	cat <<EOF

================================ passnum demo ================================
Home (PASSNUM_HOME)  $home
Place page           $url/
  sign in with the place token  $place_token
  (place $place, $place_name, $commune; services atelier, demarches)
Printed passes       $pdf
  CSV and one QR PNG per pass in $print/
  a pass to type on the page: $code
Admin token          $admin_token
  both tokens are kept in $tokens

Try:
  curl $url/v1/health
  curl -H 'Authorization: Bearer $place_token' $url/v1/vouchers/$code
  $bin/passnum --home $home ledger verify

passnumd runs below in the foreground: Ctrl-C stops it, and running
scripts/demo.sh again starts it again on the same demo home.
==============================================================================

EOF
}

if [ "$port" != 0 ]; then
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "port $port is in use; choose another: PASSNUM_DEMO_PORT=8081 bash scripts/demo.sh"
	fi
	url=http://127.0.0.1:$port
	banner
	exec "$bin/passnumd" --home "$home" --listen "127.0.0.1:$port"
fi

# PASSNUM_DEMO_PORT=0: passnumd takes a free port itself (tests use this, so
# that no two runs race for a port); the banner follows its first line.
started="$demo/passnumd.started"
rm -f "$started"
"$bin/passnumd" --home "$home" --listen 127.0.0.1:0 >"$started" &
pid=$!
# passnumd never outlives this script (a refusal below, Ctrl-C, or a TERM).
trap 'kill -TERM "$pid" 2>/dev/null' EXIT
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit' INT TERM
url=
for _ in $(seq 200); do
	url=$(grep -o 'https\?://[0-9.:]*' "$started" 2>/dev/null | head -1 || true)
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || die "passnumd did not start"
	sleep 0.05
done
[ -n "$url" ] || die "passnumd did not say where it listens"
banner
cat "$started"
wait "$pid"
