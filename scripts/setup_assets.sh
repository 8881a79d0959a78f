#!/usr/bin/env bash
# Make Solara's front-end work offline: solara-assets ships versioned copies of
# vega, vega-lite and vega-embed under $VENV/share/solara/cdn, but the pages ask
# for the major-version aliases (vega@5, ...). Link each alias to the newest
# shipped version of the same major. Idempotent; warns (never fails) if missing.
set -euo pipefail

VENV="${1:?usage: $0 VENV}"
CDN="$VENV/share/solara/cdn"

if [ ! -d "$CDN" ]; then
    echo "warning: $CDN not found (is solara-assets installed?); skipping offline asset links" >&2
    exit 0
fi

link_alias() {  # link_alias NAME MAJOR -> NAME@MAJOR -> NAME@MAJOR.x.y (newest present)
    local name="$1" major="$2" alias target
    alias="$name@$major"
    target="$(cd "$CDN" && ls -d "$name@$major".*.* 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$target" ]; then
        echo "warning: no $name@$major.x.y in $CDN; $alias not linked" >&2
        return 0
    fi
    if [ -e "$CDN/$alias" ] && [ ! -L "$CDN/$alias" ]; then
        echo "note: $CDN/$alias exists and is not a symlink; left as is" >&2
        return 0
    fi
    ln -sfn "$target" "$CDN/$alias"
    echo "linked $CDN/$alias -> $target"
}

link_alias vega 5
link_alias vega-lite 5
link_alias vega-embed 6
