#!/bin/sh
# Makes lib/data/communes.tsv and lib/data/epci.tsv, the compact tables of
# INSEE commune codes and of EPCI embedded in the binaries, from Etalab's npm
# package @etalab/decoupage-administratif (MIT), pinned below with its
# integrity. Needs npm and node; run from anywhere: scripts/make-communes.sh
#
# Both files start with the same two comment lines, the package and version
# ("# @etalab/decoupage-administratif 6.0.0") and the population's vintage
# ("# population municipale 2023, INSEE"), then a line of column names.
# communes.tsv has one line per code, sorted by code, tab-separated:
#   code  parent  name  departement  region  population  epci
# Kept: "commune-actuelle" entries and "arrondissement-municipal" entries
# (Paris, Lyon, Marseille; parent = their commune's code, empty otherwise).
# Dropped: "commune-deleguee" and "commune-associee" entries. epci is the
# SIREN of the commune's EPCI from data/epci.json (an arrondissement takes its
# commune's), empty when none; population is empty when unknown.
# epci.tsv has one line per EPCI of data/epci.json, sorted by SIREN:
#   code  name  population
# where population is the sum of its member communes' populations in
# communes.json, the same vintage as the communes' (epci.json's own
# populationMunicipale comes from the DGCL's file, of another year: it
# differs for nearly every EPCI).
#
# The population's year: the package's README names its source, INSEE's
# publication 8680726 of December 2025, the « populations de référence »
# (population municipale) at 1 January 2023, in force from 1 January 2026.
# The year is not in the data: POPULATION_YEAR says it, and the script stops
# if the README no longer cites that publication (a new version of the
# package: read its README, then update both).
set -eu

PACKAGE=@etalab/decoupage-administratif
VERSION=6.0.0
INTEGRITY=sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ==
POPULATION_YEAR=2023
POPULATION_CITED=insee.fr/fr/statistiques/8680726

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/lib/data/communes.tsv"
epci_out="$root/lib/data/epci.tsv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "$PACKAGE@$VERSION" >/dev/null
tarball=$(ls ./*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
	echo "make-communes: $tarball: integrity $actual, expected $INTEGRITY" >&2
	exit 1
fi
tar xzf "$tarball"
if ! grep -F "$POPULATION_CITED" package/README.md >/dev/null; then
	echo "make-communes: package/README.md no longer cites $POPULATION_CITED:" \
		"check the population's year (POPULATION_YEAR=$POPULATION_YEAR)" >&2
	exit 1
fi

PACKAGE="$PACKAGE" VERSION="$VERSION" POPULATION_YEAR="$POPULATION_YEAR" \
	node - package/data "$epci_out.tmp" >"$out.tmp" <<'JS'
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
const communes = require(path.resolve(dir, "communes.json"));
const epcis = require(path.resolve(dir, "epci.json"));
const epciOf = new Map();
for (const epci of epcis)
	for (const member of epci.membres)
		epciOf.set(member.code, epci.code);
const kept = communes.filter((c) =>
	c.type === "commune-actuelle" || c.type === "arrondissement-municipal");
kept.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
const seen = new Set();
const header = [
	`# ${process.env.PACKAGE} ${process.env.VERSION}`,
	`# population municipale ${process.env.POPULATION_YEAR}, INSEE`,
];
const lines = [...header, "# code\tparent\tname\tdepartement\tregion\tpopulation\tepci"];
for (const c of kept) {
	const parent = c.type === "arrondissement-municipal" ? c.commune : "";
	const fields = [c.code, parent, c.nom, c.departement, c.region,
		c.population === undefined ? "" : String(c.population),
		epciOf.get(parent || c.code) || ""];
	if (seen.has(c.code) || fields.some((f) => /[\t\n\r]/.test(f)))
		throw new Error(`bad entry ${c.code}`);
	seen.add(c.code);
	lines.push(fields.join("\t"));
}
process.stdout.write(lines.join("\n") + "\n");
process.stderr.write(`make-communes: ${kept.length} codes\n`);

const population = new Map();
for (const c of kept)
	if (c.type === "commune-actuelle")
		population.set(c.code, c.population || 0);
const epciLines = [...header, "# code\tname\tpopulation"];
const sorted = [...epcis].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
for (const epci of sorted) {
	let sum = 0;
	for (const member of epci.membres) {
		if (!population.has(member.code))
			throw new Error(`EPCI ${epci.code}: member ${member.code} is no current commune`);
		sum += population.get(member.code);
	}
	if (!/^[0-9]{9}$/.test(epci.code) || !epci.nom || /[\t\n\r]/.test(epci.nom))
		throw new Error(`bad EPCI ${epci.code}`);
	epciLines.push([epci.code, epci.nom, String(sum)].join("\t"));
}
fs.writeFileSync(process.argv[3], epciLines.join("\n") + "\n");
process.stderr.write(`make-communes: ${sorted.length} EPCI\n`);
JS
mv "$out.tmp" "$out"
mv "$epci_out.tmp" "$epci_out"
echo "make-communes: wrote $out and $epci_out ($PACKAGE $VERSION)" >&2
