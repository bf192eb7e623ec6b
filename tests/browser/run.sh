#!/usr/bin/env bash
# Runs the browser tests (code, place page, distributor page, funder page,
# the camera with a fake video device) in Debian's headless Chromium against
# a passnumd that is already running; fails when any of them fails. Installs the npm
# packages pinned by package-lock.json (`npm ci`) into a directory outside
# the source tree, reinstalling only when the lock file changed.
#   PASSNUM_WEB_URL       the daemon's base URL (http://127.0.0.1:PORT)
#   PASSNUM_WEB_FIXTURE   a JSON file: tokens and passes (see test_browser.sh)
#   PASSNUM_WEB_ARTIFACTS where screenshots go (created)
#   PASSNUM_WEB_MODULES   where node_modules is installed (default: next to the artefacts)
#   CHROMIUM              the browser (default /usr/bin/chromium)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${PASSNUM_WEB_URL:?set PASSNUM_WEB_URL}"
: "${PASSNUM_WEB_FIXTURE:?set PASSNUM_WEB_FIXTURE}"
: "${PASSNUM_WEB_ARTIFACTS:?set PASSNUM_WEB_ARTIFACTS}"
modules=${PASSNUM_WEB_MODULES:-$(dirname "$PASSNUM_WEB_ARTIFACTS")/npm}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/deps.sh test)" >&2; exit 1; }
done
[ -x "$CHROMIUM" ] || { echo "run.sh: $CHROMIUM is missing (scripts/deps.sh test)" >&2; exit 1; }

mkdir -p "$modules" "$PASSNUM_WEB_ARTIFACTS"
stamp=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$modules/.lock-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -d "$modules/node_modules" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$modules/"
	(cd "$modules" && npm ci --no-audit --no-fund --loglevel=error) >&2
	echo "$stamp" > "$modules/.lock-stamp"
fi
export NODE_PATH="$modules/node_modules"
status=0
for test in code place_page distributor_page funder_page camera; do
	node "$here/$test.test.js" || { echo "run.sh: $test.test.js failed" >&2; status=1; }
done
exit $status
