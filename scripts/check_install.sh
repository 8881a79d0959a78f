#!/usr/bin/env bash
# Prove the tool works as a user who only ran `pip install` gets it, away from this checkout:
# build a wheel, install it into a new virtual environment in a temporary folder, and from
# another temporary folder run `sim scenarios`, `sim run` (the default scenario; its table must
# equal the checkout's), `sim compile`, a small sweep on 2 local workers and on 1 (the same
# files) and the web page in Chromium with every plot drawn.
# Usage: bash scripts/check_install.sh   (needs `make setup` first, for pytest and playwright)
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT="$PWD"
PY="$CHECKOUT/.venv/bin/python"
[ -x "$PY" ] || { echo "error: run 'make setup' first ($PY missing)" >&2; exit 1; }
base="$(bash scripts/find_python.sh)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unset PYTHONPATH

echo "== building the wheel"
"$PY" -m pip wheel --no-deps --quiet -w "$work/dist" .
wheel="$(ls "$work"/dist/*.whl)"
echo "== installing $(basename "$wheel") into a new environment ($base)"
"$base" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$wheel"
SIM="$work/venv/bin/sim"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
echo "== sim scenarios (from $PWD)"
"$SIM" scenarios | tee "$work/scenarios.txt"
grep -q '^hague.toml ' "$work/scenarios.txt" || { echo "error: hague.toml not listed" >&2; exit 1; }
echo "== sim run (the default scenario)"
"$SIM" run > "$work/summary.json"
for f in alliance.parquet members.parquet summary.json manifest.json figure.png figure.pdf; do
    [ -s "results/hague-seed20250625/$f" ] || { echo "error: sim run wrote no $f" >&2; exit 1; }
done
"$work/venv/bin/python" -m sim run hague --seed 1 --out "$work/elsewhere/seed1" > /dev/null
echo "== sim run with the shipped posterior (from $PWD)"
"$SIM" run hague --posterior configs/data/posterior --draws 3 --reps 2 --out "$work/elsewhere/post" > /dev/null
[ -s "$work/elsewhere/post/spread.csv" ] || { echo "error: the posterior run wrote no spread.csv" >&2; exit 1; }
echo "== sim compile (the step compiled ahead of time, in the kernel cache; built if missing)"
"$SIM" compile
echo "== sim sweep on 2 local workers and on 1 (from $PWD): the same files"
hague="$("$work/venv/bin/python" -c 'from sim.core.resources import configs_dir; print(configs_dir() / "hague.toml")')"
printf 'name = "installed"\nscenario = "%s"\nreplications = 20\n[design]\nmethod = "grid"\n[axes]\nhegemon_pressure = [0.2, 0.6]\n' "$hague" > sweep.toml
"$SIM" sweep sweep.toml --workers 2 --out sweep-2 --quiet
"$SIM" sweep sweep.toml --workers 1 --out sweep-1 --quiet
cmp sweep-1/SHA256SUMS sweep-2/SHA256SUMS || { echo "error: 2 workers wrote other files than 1" >&2; exit 1; }
echo "2 workers == 1 worker ($(wc -l < sweep-2/SHA256SUMS) files, SHA256SUMS)"
cd "$CHECKOUT"
"$PY" -m sim run --out "$work/checkout-run" > /dev/null
"$PY" - "$work/elsewhere/results/hague-seed20250625" "$work/checkout-run" <<'PY'
import sys
import pandas as pd
installed, checkout = sys.argv[1:]
for table in ("alliance.parquet", "members.parquet"):
    pd.testing.assert_frame_equal(pd.read_parquet(f"{installed}/{table}"),
                                  pd.read_parquet(f"{checkout}/{table}"), check_exact=True)
print("installed run == checkout run (alliance and members tables, exactly)")
PY
echo "== the web page of the installed wheel in Chromium"
SIM_TEST_INSTALLED_SIM="$SIM" "$PY" -m pytest -q -p no:cacheprovider \
    tests/viz/test_app_browser.py -k renders_every_plot
echo "installed wheel: OK"
