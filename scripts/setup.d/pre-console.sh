#!/usr/bin/env bash
# The supervision console's browser tests (tests/console/): playwright-core and axe-core
# from the npm registry at the versions pinned in tests/console/package-lock.json (npm ci
# checks each tarball against the lock's sha512 integrity), into $BUILD_DIR/console-node
# (never committed). The browser is Debian's chromium (scripts/packages.txt); playwright
# never downloads one. The page itself uses no npm package.
# Idempotent: skipped when the installed tree matches the lock file (its sha256).
set -euo pipefail
SOURCE_DIR=${SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SOURCE_DIR/build}
SRC=$SOURCE_DIR/tests/console
DEST=$BUILD_DIR/console-node
say() { echo "pre-console: $*"; }

command -v npm >/dev/null || { echo "pre-console: npm is missing (Debian package npm)" >&2; exit 1; }
want=$(sha256sum "$SRC/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$DEST/.lock-sha256" 2>/dev/null)" = "$want" ] && [ -f "$DEST/node_modules/playwright-core/package.json" ] \
   && [ -f "$DEST/node_modules/axe-core/axe.min.js" ]; then
  say "playwright-core and axe-core up to date ($DEST)"
else
  say "installing playwright-core and axe-core (pinned, integrity-checked) into $DEST"
  rm -rf "$DEST" && mkdir -p "$DEST"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
  # --ignore-scripts: no install scripts run (playwright-core has none; keeps it so).
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$DEST" --ignore-scripts --no-audit --no-fund --silent
  echo "$want" > "$DEST/.lock-sha256"
fi
[ -x /usr/bin/chromium ] || say "WARNING: /usr/bin/chromium missing: install the Debian package chromium"
