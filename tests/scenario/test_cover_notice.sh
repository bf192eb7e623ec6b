#!/usr/bin/env bash
# needs: test clock (PASSNUM_NOW): registered in test builds only (tests/CMakeLists.txt)
# The booklet's cover carries the short information notice (GDPR art. 13,
# issue 16 item 8) in plain French: who is responsible (the funder), what is
# recorded (never the person), for how long, where to ask, the CNIL. Read
# back with pdftotext from the PDF that `batch issue` prints, on the cover of
# every booklet and on no pass page.
. "$(dirname "$0")/lib.sh"
export PASSNUM_NOW=2027-03-12T10:00:00Z
command -v pdftotext >/dev/null || { echo "FAIL: pdftotext is needed (poppler-utils)"; exit 1; }
H=$WORK/home
pn --home "$H" init --operator "Opérateur de test" --origin test.example/ledger >/dev/null || fail init
pn --home "$H" funder add "Département de test" >/dev/null || fail "funder add"
pn --home "$H" funder order 1 100000 --ref BC-1 >/dev/null || fail "funder order"
pn --home "$H" service add atelier "Atelier numérique" >/dev/null || fail "service add"
pn --home "$H" place add "EPN Montreuil" --siret 12345678200002 --commune 93048 \
	--iban FR7630006000011234567890189 --type epn --services atelier >/dev/null || fail "place add"
pn --home "$H" place label 1 >/dev/null || fail "label"
pn --home "$H" campaign create --funder 1 --name C93 --value 10 --last-day 2027-06-30 --departments 93 \
	>/dev/null || fail "campaign"
expect 0 pn --home "$H" batch issue --campaign 1 --count 8 --booklet 4 --out "$WORK/out" --format pdf
PDF=$(ls "$WORK"/out/*.pdf)
pages=$(pdfinfo "$PDF" | awk '/^Pages:/ {print $2}')
[ "$pages" -ge 4 ] && ok || fail "pages: $pages"
covers=0
for ((p = 1; p <= pages; p++)); do
	text=$(pdftotext -f "$p" -l "$p" "$PDF" - 2>/dev/null | tr '\n' ' ' | tr -s ' ')
	case "$text" in
	*"Talon à garder"*)
		covers=$((covers + 1))
		contains "$text" "Vos données" "cover $p"
		contains "$text" "Ce carnet ne porte pas votre nom." "cover $p"
		contains "$text" "Département de test, responsable de ce service public" "cover $p: the controller"
		contains "$text" "enregistre seulement quelle structure vous a donné ce carnet et quel jour" "cover $p"
		contains "$text" "effacée un an après la fin des pass" "cover $p: the retention"
		contains "$text" "droits d'accès ou d'opposition" "cover $p: the rights"
		contains "$text" "CNIL (cnil.fr)" "cover $p: the authority"
		;;
	*) case "$text" in *"Vos données"*) fail "the notice on pass page $p" ;; *) ok ;; esac ;;
	esac
done
equals "$covers" 2 "two booklets, two covers"
finish
