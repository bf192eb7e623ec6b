#!/usr/bin/env bash
# Vendors the web page's third-party file into web/ (committed: a build
# needs no network). Run by hand when the version below changes:
#   tools/vendor-web.sh
# jsqr 1.4.0 (npm; github.com/cozmo/jsQR; Apache-2.0): a pure JavaScript
# QR decoder (no eval, no WebAssembly, no worker: it runs under the page's
# strict CSP), used where the browser has no BarcodeDetector (Firefox,
# Safari, Chromium on Linux). docs/architecture.md says why this one.
# The package is installed with npm's ordinary client into a temporary
# directory, its integrity checked by npm against the registry's; its
# dist/jsQR.js is copied as web/jsqr.js behind a header naming it, and its
# LICENSE as web/jsqr-LICENSE.txt.
set -euo pipefail
PACKAGE=jsqr
VERSION=1.4.0
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null &&
	npm install --no-audit --no-fund --loglevel=error --save-exact "$PACKAGE@$VERSION" >&2)
src=$tmp/node_modules/$PACKAGE
got=$(node -p "require('$src/package.json').version")
[ "$got" = "$VERSION" ] || { echo "vendor-web.sh: npm gave $PACKAGE $got, not $VERSION" >&2; exit 1; }
if grep -Eq '\beval\(|new Function' "$src/dist/jsQR.js"; then
	echo "vendor-web.sh: $PACKAGE $VERSION uses eval or new Function: the strict CSP forbids it" >&2
	exit 1
fi
{
	printf '/* %s %s (npm), https://github.com/cozmo/jsQR, Apache License 2.0 (web/jsqr-LICENSE.txt).\n' "$PACKAGE" "$VERSION"
	printf ' * Vendored unchanged from node_modules/%s/dist/jsQR.js by tools/vendor-web.sh; do not edit. */\n' "$PACKAGE"
	cat "$src/dist/jsQR.js"
} > "$root/web/jsqr.js"
cp "$src/LICENSE" "$root/web/jsqr-LICENSE.txt"
echo "web/jsqr.js: $PACKAGE $VERSION ($(wc -c < "$root/web/jsqr.js") bytes), sha256 $(sha256sum "$root/web/jsqr.js" | cut -d' ' -f1)"
