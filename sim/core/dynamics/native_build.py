"""Compiling the step ahead of time: ``python -m sim compile``.

This module owns building the library that ``sim.core.dynamics.native`` loads. The functions
compiled are the very ones numba compiles just in time, from the same source: the compiled
step's ``run`` (``sim.core.dynamics.compiled.step_module``) and the shocks' ``_fill``
(``sim.core.normal_streams``), each for the argument types a batch of the default scenario gives
them (read by running two runs through numba and noting what each entry was called with). numba's
ahead-of-time compiler (``numba.pycc``, with setuptools and the platform's C compiler) turns them
into one extension module for this CPU, 35-61 s on one CPU; it is written under a temporary
name and renamed into the kernel cache, its list of types last, so that no process ever sees
half a library.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sim.core.dynamics import native


class BuildError(RuntimeError):
    """The library could not be compiled (no C compiler, no setuptools, a compiler error)."""


def build(*, force: bool = False) -> tuple[Path, bool]:
    """Compile the library for the registry in force unless it is there already.

    Args:
        force: compile even if the library is there.

    Returns:
        (the library's path, whether it was compiled now).

    Raises:
        BuildError: numba's ahead-of-time compiler failed; nothing was written to the cache.
    """
    path = native.library_path()
    types = native.types_path(path)
    if not force and native.built():
        return path, False
    _check_tools()
    calls = _calls()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as folder:
        built = _compile(native.library_name(), calls, Path(folder))
        listed = Path(folder) / types.name
        listed.write_text(json.dumps(_listing(calls), indent=1), encoding="utf-8")
        os.replace(built, path)
        os.replace(listed, types)
    native._LOADED.pop(native.library_name(), None)
    return path, True


def _check_tools() -> None:
    """Raise :class:`BuildError` unless numba's ahead-of-time compiler and a C compiler are here."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which((compiler.split() or [""])[0]) is None:
        raise BuildError(f"no C compiler: {compiler!r} is not on the PATH (set CC)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
            import numba.pycc  # noqa: F401 - needs setuptools
    except ImportError as error:
        raise BuildError(f"numba's ahead-of-time compiler is not available: {error}") from None


def _calls() -> dict[str, list[tuple[Callable[..., Any], tuple]]]:
    """Each entry's Python function and the distinct arguments a default batch calls it with."""
    from sim.core import normal_streams
    from sim.core.config import DEFAULT_SCENARIO, load_scenario
    from sim.core.deferred_jit import resolve
    from sim.core.dynamics.compiled import step_module

    seen: dict[str, dict[str, tuple]] = {"run": {}, "fill": {}}
    original = native.entry

    def noting(name: str, args: tuple) -> None:
        seen[name].setdefault(native.signature_key(args), args)
        return None

    native.entry = noting
    try:
        from sim.core.ensemble import simulate

        simulate([load_scenario(DEFAULT_SCENARIO).params] * 2, [0, 1])
    finally:
        native.entry = original
    functions = {"run": resolve(step_module().run), "fill": resolve(normal_streams._fill)}
    return {
        name: [(functions[name].py_func, args) for args in seen[name].values()] for name in seen
    }


def _export_name(name: str, index: int) -> str:
    """The name of entry ``name``'s ``index``-th compiled signature in the library."""
    return f"{name}_{index}"


def _listing(calls: dict[str, list[tuple[Callable[..., Any], tuple]]]) -> dict:
    """The types file: for each entry, each signature key and its function's name."""
    return {
        name: {native.signature_key(args): _export_name(name, i) for i, (_, args) in enumerate(of)}
        for name, of in calls.items()
    }


def _compile(
    name: str, calls: dict[str, list[tuple[Callable[..., Any], tuple]]], folder: Path
) -> Path:
    """Compile every call's function for its arguments' types into the extension ``name``."""
    from numba import typeof

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
        from numba.pycc import CC
    cc = CC(name)
    cc.output_dir = str(folder)
    cc.target_cpu = "host"
    for entry, of in calls.items():
        for i, (function, args) in enumerate(of):
            cc.export(_export_name(entry, i), tuple(typeof(a) for a in args))(function)
    try:
        with _releasing_the_gil():
            cc.compile()
    except Exception as error:  # noqa: BLE001 - distutils raises many kinds
        raise BuildError(f"numba.pycc could not compile {name}: {error}") from error
    built = list(folder.glob(name + ".*"))
    if len(built) != 1:
        raise BuildError(f"numba.pycc wrote {[p.name for p in built]} in {folder}, not one library")
    return built[0]


@contextlib.contextmanager
def _releasing_the_gil() -> Iterator[None]:
    """numba.pycc's compilation with its functions' wrappers releasing the GIL while they run.

    As numba's ``nogil=True`` (``sim.core.dynamics.jit``): pycc makes its own ``Flags``, without
    that option, so its functions would hold the GIL for a whole batch, and a Dask worker's
    event loop (its heartbeats, its next task) would stop while its chunk computes.
    """
    from numba.pycc import compiler

    plain = compiler.Flags

    class Releasing(plain):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.release_gil = True

    compiler.Flags = Releasing
    try:
        yield
    finally:
        compiler.Flags = plain


def cli_compile(*, force: bool = False) -> int:
    """``python -m sim compile``: build the library, saying where it is; 1 if it cannot be built.

    Args:
        force: compile even if the library is there.
    """
    import sys

    try:
        path, compiled = build(force=force)
    except (BuildError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        print("Sweeps and runs still work, through numba's just-in-time compiler.", file=sys.stderr)
        return 1
    print(f"{'compiled' if compiled else 'already compiled'}: {path}")
    return 0
