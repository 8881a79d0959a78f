#!/usr/bin/env bash
# Make sure Debian's chromium (/usr/bin/chromium) is present for the browser tests.
# Installs it with apt-get when missing and running as root. Exit 0 if available, 1 otherwise.
set -u

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium missing: installing Debian's chromium package..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

if [ -x "$CHROMIUM" ]; then
    echo "chromium available: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" >&2
    exit 0
fi

cat >&2 <<MSG
error: $CHROMIUM not found; the browser tests (pytest -m browser) need it.
Install Debian's chromium as root:  apt-get update && apt-get install -y chromium
(Playwright's own browser download does not work here; the tests drive /usr/bin/chromium.)
MSG
exit 1
