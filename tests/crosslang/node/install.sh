#!/usr/bin/env bash
# Installs the Node packages the cross-language programs use (koffi, apache-arrow) from the
# committed package-lock.json. npm ci reinstalls from scratch, so it runs only when node_modules
# is older than the lock file (or missing). Used by the crosslang suite, by the test command
# before any suite (the cluster's remote-reader test runs the Node reader too) and by the demo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
installed="$here/node_modules/.package-lock.json"
if [ -f "$installed" ] && [ "$installed" -nt "$here/package-lock.json" ]; then
  echo "node_modules is up to date with package-lock.json"
else
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
