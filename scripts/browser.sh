#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests (driven by playwright-core).
# A no-op when it is there; otherwise installs it from Debian's packages (root or sudo needed).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "browser: $(chromium --version 2>/dev/null | head -1) at $(command -v chromium)"
  exit 0
fi
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "browser: chromium is missing and neither root nor sudo is available; install Debian's chromium package" >&2; exit 1; }
  as_root=(sudo)
fi
echo "browser: installing Debian's chromium ..."
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get install -y --no-install-recommends chromium >/dev/null || {
  "${as_root[@]}" apt-get update >/dev/null
  "${as_root[@]}" apt-get install -y --no-install-recommends chromium >/dev/null
}
echo "browser: $(chromium --version 2>/dev/null | head -1)"
