"""Build the API reference (HTML) from the package's docstrings with pdoc: ``make docs``.

Usage: ``python scripts/api_docs.py [OUT]`` (default ``build/api``, ignored by git); open
``OUT/index.html``. Every module of ``sim`` gets a page (Google-style docstrings rendered as
such), ``sim`` itself with its public API: the names ``sim/__init__.py`` imports lazily (PEP 562)
are resolved through its ``__all__``. pdoc imports each module to read it; nothing runs (the web
page's modules build no page at import) and nothing goes over the network.
"""

from __future__ import annotations

import pkgutil
import sys
import warnings
from pathlib import Path

DEFAULT_OUT = Path("build") / "api"


def modules() -> list[str]:
    """The modules to document: ``sim`` and each of its packages and top modules.

    They are named one by one because pdoc walks only the submodules a package's ``__all__``
    lists, and ``sim.__all__`` lists the public names, not the packages. ``sim.__main__`` is
    left out: importing it would run the command line.
    """
    import sim

    return ["sim", *(f"sim.{m.name}" for m in pkgutil.iter_modules(sim.__path__))] + [
        "!sim.__main__"
    ]


def build(out: Path = DEFAULT_OUT) -> Path:
    """Write the HTML reference into ``out`` (created); return its ``index.html``."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="google", footer_text="alliance-arms-race-sim")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Mesa's own annotations (type variables of its agent sets) cannot be resolved by pdoc;
        # they are shown as written.
        warnings.filterwarnings("ignore", message="Error parsing type annotation")
        pdoc.pdoc(*modules(), output_directory=out)
    return out / "index.html"


if __name__ == "__main__":
    index = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
    print(f"wrote the API reference: {index}")
