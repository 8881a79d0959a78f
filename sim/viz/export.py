"""The web page's downloads: the run's data (CSV, Parquet) and its settings as a config file.

This module owns what the export buttons send: the alliance series and the member series of the
running model as CSV or Parquet (``AllianceModel.alliance_frame`` / ``member_frame``, the
columns ``sim run`` writes), and the running model's parameters and seed as a self-contained
scenario config (TOML, every parameter written out, no ``inherits``) that
``python -m sim run FILE`` accepts and runs with the same parameters and seed. The files are
made when a button is clicked (``solara.FileDownload`` with a function), never each quarter.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import solara
import tomli_w

from sim.abm.model import AllianceModel
from sim.core.config import Scenario
from sim.core.params import to_dict

SERIES: dict[str, Callable[[AllianceModel], pd.DataFrame]] = {
    "alliance": lambda m: m.alliance_frame(),
    "members": lambda m: m.member_frame(),
}
"""Series name -> the model's table of it (one row per quarter, or per member and quarter)."""
FORMATS = ("csv", "parquet")


def series_bytes(model: AllianceModel, series: str, fmt: str) -> bytes:
    """One series of the run so far as a file's bytes (``fmt``: 'csv' or 'parquet')."""
    frame = SERIES[series](model)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def export_name(scenario: Scenario, model: AllianceModel) -> str:
    """The config's name: the scenario's, with ``_custom`` when the page changed parameters."""
    same = model.params == scenario.params and model.seed == scenario.seed
    return scenario.name if same else f"{scenario.name}_custom"


def file_stem(scenario: Scenario, model: AllianceModel) -> str:
    """The downloads' file name start: the config's name and the seed."""
    return f"{export_name(scenario, model)}-seed{model.seed}"


def settings_toml(scenario: Scenario, model: AllianceModel) -> str:
    """The running model's parameters and seed as a scenario config that reproduces it.

    Every parameter is written (no ``inherits``), so the file runs the same anywhere the
    shipped data are; ``sim.core.config.load_scenario`` of it gives ``model.params``.
    """
    changed = [
        name
        for name, value in to_dict(model.params).items()
        if getattr(scenario.params, name) != value
    ]
    doc = {
        "name": export_name(scenario, model),
        "description": f"Saved from the web page: {scenario.name}"
        + (f" with {', '.join(changed)} changed" if changed else "")
        + f", seed {model.seed}",
        "seed": model.seed,
        "params": to_dict(model.params),
    }
    header = (
        f"# The settings of a run of the web page (scenario {scenario.name}, file "
        f"{scenario.path}).\n# Run it again with: python -m sim run THIS_FILE\n"
    )
    return header + tomli_w.dumps(doc)


def _button(label: str) -> Any:
    return solara.Button(label, icon_name="mdi-download", small=True, text=True, color="primary")


@solara.component
def ExportButtons(model: AllianceModel, scenario: Scenario):
    """Download buttons: each series as CSV and Parquet, and the settings as a config file."""
    stem = file_stem(scenario, model)
    with solara.Div(classes=["viz-export"]):
        for series in SERIES:
            for fmt in FORMATS:
                solara.FileDownload(
                    lambda series=series, fmt=fmt: series_bytes(model, series, fmt),
                    filename=f"{stem}-{series}.{fmt}",
                    mime_type="text/csv" if fmt == "csv" else "application/octet-stream",
                    children=[_button(f"{series} {'CSV' if fmt == 'csv' else 'Parquet'}")],
                )
        solara.FileDownload(
            lambda: settings_toml(scenario, model),
            filename=f"{stem}.toml",
            mime_type="application/toml",
            children=[_button("settings (TOML config)")],
        )
