#!/usr/bin/env bash
# Make a headless Chromium available for the HTML report's browser test (tests/reports).
# Debian/Ubuntu only: installs the distribution's `chromium` package with apt-get when it is
# missing and we are root (or have passwordless sudo). Prints the browser's path on success;
# exits non-zero with a reason on stderr when it cannot (the test then skips, never passes).
set -euo pipefail

for name in chromium chromium-browser google-chrome; do
    if path=$(command -v "$name" 2>/dev/null); then
        echo "$path"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no chromium and no apt-get on this machine" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "ensure-chromium: chromium is missing and installing it needs root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >&2 || { echo "ensure-chromium: apt-get update failed" >&2; exit 1; }
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >&2 \
    || { echo "ensure-chromium: apt-get install chromium failed" >&2; exit 1; }
command -v chromium || { echo "ensure-chromium: installed, but no chromium on PATH" >&2; exit 1; }
