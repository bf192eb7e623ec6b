#!/bin/sh
# Makes lib/data/communes.tsv, the compact table of INSEE commune codes
# embedded in the binaries, from Etalab's npm package
# @etalab/decoupage-administratif (MIT), pinned below with its integrity.
# Needs npm and node; run from anywhere: scripts/make-communes.sh
#
# Output: two comment lines (package and version; column names), then one
# line per code, sorted by code, tab-separated:
#   code  parent  name  departement  region  population  epci
# Kept: "commune-actuelle" entries and "arrondissement-municipal" entries
# (Paris, Lyon, Marseille; parent = their commune's code, empty otherwise).
# Dropped: "commune-deleguee" and "commune-associee" entries. epci is the
# SIREN of the commune's EPCI from data/epci.json (an arrondissement takes its
# commune's), empty when none; population is empty when unknown.
set -eu

PACKAGE=@etalab/decoupage-administratif
VERSION=6.0.0
INTEGRITY=sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ==

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/lib/data/communes.tsv"
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

PACKAGE="$PACKAGE" VERSION="$VERSION" node - package/data >"$out.tmp" <<'JS'
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
const lines = [
	`# ${process.env.PACKAGE} ${process.env.VERSION}`,
	"# code\tparent\tname\tdepartement\tregion\tpopulation\tepci",
];
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
JS
mv "$out.tmp" "$out"
echo "make-communes: wrote $out ($PACKAGE $VERSION)" >&2
