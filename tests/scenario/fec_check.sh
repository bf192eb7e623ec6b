#!/usr/bin/env bash
# tests/scenario/fec_check.sh FILE [FIRST-DAY LAST-DAY]: checks a FEC
# (Fichier des Écritures Comptables) against the rules of the tax
# administration (article A47 A-1 of the Livre des procédures fiscales):
# the 18 columns in their order with their exact names, tab-separated;
# JournalCode and JournalLib, EcritureNum, CompteNum and CompteLib never
# empty; dates AAAAMMJJ that exist (EcritureDate, PieceDate, ValidDate, and
# DateLet when lettered), inside the fiscal year when given; Debit and
# Credit with a decimal comma, exactly one of them non-zero; each
# EcritureNum balanced, of one journal and one date, numbered without gap
# from 1 in file order; CompAuxNum and CompAuxLib given together;
# EcritureLet and DateLet given together, and each letter of an account
# balanced; Montantdevise and Idevise given together; the file name
# SIRENFECAAAAMMJJ.txt when it looks like one. Prints each violation and
# exits 1 on any; prints "FEC OK: N lines, M entries" otherwise.
set -uo pipefail
file=${1:?usage: fec_check.sh FILE [FIRST-DAY LAST-DAY]}
first=${2:-00000000}
last=${3:-99999999}
header=$'JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise'
bad=0
if [ "$(head -1 "$file" | tr -d '\r')" != "$header" ]; then
	echo "line 1: not the 18 column names of the FEC"
	bad=1
fi
name=$(basename "$file")
if [[ $name == *FEC* ]] && ! [[ $name =~ ^[0-9]{9}FEC[0-9]{8}\.txt$ ]]; then
	echo "file name $name is not SIRENFECAAAAMMJJ.txt"
	bad=1
fi
awk -F'\t' -v first="$first" -v last="$last" '
function day_ok(s,   y, m, d, dim) {
	if (length(s) != 8 || s !~ /^[0-9]+$/) return 0
	y = substr(s, 1, 4) + 0; m = substr(s, 5, 2) + 0; d = substr(s, 7, 2) + 0
	if (m < 1 || m > 12 || d < 1) return 0
	dim = (m == 2) ? ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28) : \
	    (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31
	return d <= dim
}
function cents(s) { gsub(",", "", s); return s + 0 }
function bad(msg) { print "line " NR ": " msg; errors++ }
NR == 1 { next }
{
	sub(/\r$/, "")
	if (NF != 18) { bad("has " NF " columns, not 18"); next }
	if ($1 == "" || $2 == "") bad("JournalCode or JournalLib empty")
	if ($1 !~ /^[A-Z0-9]+$/ || length($1) > 8) bad("JournalCode " $1)
	if ($3 !~ /^[0-9]+$/) bad("EcritureNum \"" $3 "\"")
	if (!day_ok($4)) bad("EcritureDate \"" $4 "\" is not AAAAMMJJ")
	else if ($4 < first || $4 > last) bad("EcritureDate " $4 " outside the fiscal year")
	if ($5 !~ /^[1-8][0-9A-Z][0-9A-Z]+$/) bad("CompteNum \"" $5 "\"")
	if ($6 == "") bad("CompteLib empty")
	if (($7 == "") != ($8 == "")) bad("CompAuxNum and CompAuxLib not given together")
	if ($9 == "") bad("PieceRef empty")
	if (!day_ok($10)) bad("PieceDate \"" $10 "\" is not AAAAMMJJ")
	if ($11 == "") bad("EcritureLib empty")
	if ($12 !~ /^[0-9]+,[0-9][0-9]$/ || $13 !~ /^[0-9]+,[0-9][0-9]$/) bad("Debit or Credit not an amount with a decimal comma")
	if ((cents($12) != 0) == (cents($13) != 0)) bad("not exactly one of Debit and Credit")
	if (($14 == "") != ($15 == "")) bad("EcritureLet and DateLet not given together")
	if ($15 != "" && !day_ok($15)) bad("DateLet \"" $15 "\" is not AAAAMMJJ")
	if (!day_ok($16)) bad("ValidDate \"" $16 "\" is not AAAAMMJJ")
	if (($17 == "") != ($18 == "")) bad("Montantdevise and Idevise not given together")
	n = $3 + 0
	if (!(n in seen)) {
		if (n != entries + 1) bad("EcritureNum " n " after " entries ": not continuous")
		entries = n; seen[n] = 1; journal[n] = $1; date[n] = $4
	} else {
		if (n != entries) bad("EcritureNum " n " is not contiguous in the file")
		if (journal[n] != $1) bad("EcritureNum " n " in two journals")
		if (date[n] != $4) bad("EcritureNum " n " on two dates")
	}
	sum[n] += cents($12) - cents($13)
	lines++
	if ($14 != "") let[$5 SUBSEP $7 SUBSEP $14] += cents($12) - cents($13)
}
END {
	for (k in sum) if (sum[k] != 0) { print "EcritureNum " k ": Debit and Credit differ"; errors++ }
	for (k in let) if (let[k] != 0) { split(k, p, SUBSEP); print "letter " p[3] " of account " p[1] " " p[2] " is not balanced"; errors++ }
	if (lines == 0) { print "no line"; errors++ }
	if (errors) exit 1
	print "FEC OK: " lines " lines, " entries " entries"
}' "$file" || bad=1
exit $bad
