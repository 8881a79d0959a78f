"""The API reference (``make docs``: pdoc over the docstrings) builds and documents the public API.

Built with pdoc's Python API into a temporary folder (``scripts/api_docs.py``), offline. The
public names of ``sim`` are imported lazily (PEP 562): they must still get their entries, with
their docstrings; every package, the web page's included, must get its page.
"""

import html
import importlib.util
import re
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = (
    "load_scenario",
    "default_params",
    "simulate",
    "simulate_ensemble",
    "load_sweep",
    "AllianceModel",
    "SweepResult",
    "Params",
    "make_params",
)


def _script():
    spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(page: Path) -> str:
    """A page's text without tags, entities resolved, whitespace collapsed."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))
    return " ".join(plain.split())


def _first_words(doc: str) -> str:
    """The docstring's first line up to any markup (``code``, :func: roles, parentheses)."""
    line = " ".join(doc.strip().splitlines()[0].split())
    return re.split(r"[`(:]", line)[0].strip()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    index = _script().build(out)
    assert index.is_file()
    return out


@pytest.mark.slow
def test_the_public_names_have_their_docstrings(api):
    page = api / "sim.html"
    source = page.read_text()
    text = _text(page)
    for name in PUBLIC:
        assert f'id="{name}"' in source, name
        words = _first_words(getattr(sim, name).__doc__)
        assert len(words) >= 10, (name, words)  # a phrase, not an empty match
        assert " ".join(words.split()) in text, name


@pytest.mark.slow
def test_every_package_has_a_page(api):
    for package in ("core", "abm", "runs", "sweep", "analysis", "validation", "viz"):
        assert (api / "sim" / f"{package}.html").is_file(), package
    collector = _text(api / "sim" / "abm" / "collector.html")
    assert "The member states' variables: one row per member per quarter collected" in collector
    assert (api / "sim" / "sweep" / "csv_copies.html").is_file()
    assert not (api / "sim" / "__main__.html").exists()  # importing it would run the CLI
