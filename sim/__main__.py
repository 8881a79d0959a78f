"""``python -m sim``: see ``sim.cli``."""

from sim.cli import run

run()
