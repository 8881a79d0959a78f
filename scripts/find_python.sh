#!/usr/bin/env bash
# Print the path of a Python interpreter >= 3.12 on stdout; exit 1 with advice if none.
#
# Order: $PYTHON (if set, it must be >= 3.12), then python3.12, python3.13, python3, python
# on PATH, then pyenv's installed versions (3.12.x first, then 3.13.x, then newer).
# Every candidate is verified by running it (pyenv shims can exist but fail).
set -u

MIN_MSG="Python >= 3.12"

ok() {  # ok CMD -> 0 if CMD runs and is >= 3.12
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

resolve() {  # print the real interpreter path (shims resolve to the versioned binary)
    "$1" -c 'import sys; print(sys.executable)' 2>/dev/null || command -v "$1"
}

advice() {
    cat >&2 <<MSG
error: $MIN_MSG is needed to build this project, and none was found.
Get one, then re-run (e.g. 'make setup'):
  - pyenv:   pyenv install 3.12        (this repo's .python-version selects 3.12)
  - Debian/Ubuntu: apt-get install python3.12 python3.12-venv
  - uv:      uv python install 3.12
or point to an existing interpreter:  PYTHON=/path/to/python3.12 make setup
MSG
}

# 1. Explicit choice wins, but must be good enough.
if [ -n "${PYTHON:-}" ]; then
    if ok "$PYTHON"; then
        resolve "$PYTHON"
        exit 0
    fi
    echo "error: PYTHON=$PYTHON is not a working $MIN_MSG interpreter." >&2
    advice
    exit 1
fi

# 2. Candidates on PATH.
for c in python3.12 python3.13 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$c"; then
        resolve "$c"
        exit 0
    fi
done

# 3. pyenv-installed versions, preferring 3.12, then 3.13, then newer.
if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root 2>/dev/null)"
else
    root="${PYENV_ROOT:-$HOME/.pyenv}"
fi
if [ -n "${root:-}" ] && [ -d "$root/versions" ]; then
    for minor in 12 13 14 15 16 17 18 19; do
        # newest patch release of this minor first
        for c in $(ls -d "$root"/versions/3."$minor".*/bin/python 2>/dev/null | sort -V -r); do
            if ok "$c"; then
                echo "$c"
                exit 0
            fi
        done
    done
fi

advice
exit 1
