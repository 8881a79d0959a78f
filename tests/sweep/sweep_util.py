"""Helpers shared by the sweep tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAGUE = ROOT / "configs" / "hague.toml"


def write_config(folder: Path, body: str, name: str = "t") -> Path:
    """Write a sweep config whose base scenario is configs/hague.toml."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{HAGUE}"\n' + body)
    return path
