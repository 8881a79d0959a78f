"""The compiled step ahead of time: a library that runs a batch without importing numba.

This module owns finding, checking and loading that library. ``python -m sim compile``
(``sim.core.dynamics.native_build``) compiles the whole-run entry point of the compiled step
(``run``, ``sim.core.dynamics.kernel``) and the shocks (``sim.core.normal_streams``) from the
same source, with numba's ahead-of-time compiler, into one extension module in the kernel cache
(``sim.core.dynamics.compiled.cache_dir``). A process that finds it calls it instead of
numba's dispatchers, and so never imports numba (0.18 s of a process's start on one CPU) nor
loads numba's cached machine code (0.11 s): a sweep worker, a run, a small sweep.

The library's name carries a hash of everything its code depends on: the compiled step's key
(the generated source, every module of ``sim.core.dynamics``, each term's kernel, numba and
Python), the shocks' modules, how it is built (``native_build``), numpy's version and this CPU
(it is compiled for the CPU it was built on). A change to any of them misses the library, and
the batch runs through numba as before. Its functions release the GIL while they run, as
numba's do (``nogil=True``). Beside it a small JSON file lists, for each entry, the argument
types it was compiled for, as :func:`signature_key` spells them; a call whose arguments differ
(another layout, a read-only array) goes through numba too. The numbers are the same bits either way
(``tests/core/test_native.py``).

Set ``SIM_NATIVE=0`` (or numba's ``NUMBA_DISABLE_JIT=1``) to run through numba regardless.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ENV = "SIM_NATIVE"
PREFIX = "sim_native_"
_HERE = Path(__file__).resolve().parent
_SHOCKS = ("normal_streams.py", "ziggurat.py")
_DIGESTS: dict[str, str] = {}
_LOADED: dict[str, tuple[ModuleType, dict[str, dict[str, str]]] | None] = {}


def enabled() -> bool:
    """Whether a batch may run from the library (``SIM_NATIVE`` not 0, numba's JIT not off)."""
    jit_off = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
    return os.environ.get(ENV, "1") != "0" and not jit_off


def cpu_key() -> str:
    """This CPU, as the library's code depends on it: its model and instruction sets.

    Read from ``/proc/cpuinfo`` where there is one (Linux), else the platform's names.
    """
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    wanted = ("model name", "flags", "Features", "CPU part", "CPU implementer")
    lines = [line for line in text.splitlines()[:60] if line.split(":")[0].strip() in wanted]
    return " ".join(lines) or f"{platform.machine()} {platform.processor()}"


def digest() -> str:
    """The hash naming the library for the registry of terms in force (see the module's text)."""
    from sim.core.dynamics.compiled import step_key

    step = step_key()
    known = _DIGESTS.get(step)
    if known is None:
        known = _DIGESTS[step] = _digest(step)
    return known


def _digest(step: str) -> str:
    """:func:`digest` for the compiled step's key ``step``."""
    hasher = hashlib.sha256(step.encode())
    core = _HERE.parent
    for name in _SHOCKS:
        hasher.update(name.encode() + (core / name).read_bytes())
    hasher.update((_HERE / "native_build.py").read_bytes())  # how it is compiled
    hasher.update(f"{np.__version__} {cpu_key()}".encode())
    return hasher.hexdigest()[:20]


def library_name() -> str:
    """The extension module's name (its ``PyInit_`` function's)."""
    return PREFIX + digest()


def library_path() -> Path:
    """Where the library is, or would be, for the registry in force."""
    from sim.core.dynamics.compiled import cache_dir

    return cache_dir() / (library_name() + importlib.machinery.EXTENSION_SUFFIXES[0])


def built() -> bool:
    """Whether the library for the registry in force is in the cache, with its list of types."""
    path = library_path()
    return path.exists() and types_path(path).exists()


def types_path(library: Path) -> Path:
    """The JSON file beside ``library`` that lists each entry's argument types."""
    return library.with_name(library.name.split(".")[0] + ".types.json")


def signature_key(value: Any) -> str:
    """The type numba would give ``value`` as an argument, spelled as a string.

    Arrays by dtype, dimensions, layout (C, F or any), whether writable and aligned; tuples
    (named or not) by their class and items; Python's bool, int and float as numba's boolean,
    int64 and float64; None. Anything else raises ``TypeError``.
    """
    if isinstance(value, np.ndarray):
        flags = value.flags
        layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
        return (
            f"{value.dtype.str}/{value.ndim}{layout}"
            f"{'w' if flags.writeable else 'r'}{'a' if flags.aligned else 'u'}"
        )
    if isinstance(value, tuple):
        kind = type(value)
        items = ",".join(signature_key(item) for item in value)
        return f"{kind.__module__}.{kind.__qualname__}({items})"
    if isinstance(value, bool):
        return "b1"
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return "i8"
    if isinstance(value, float):
        return "f8"
    if value is None:
        return "none"
    raise TypeError(f"no signature key for {type(value).__name__}")


def entry(name: str, args: tuple) -> Callable[..., Any] | None:
    """The library's function for entry ``name`` compiled for these arguments, or None.

    None when the library is off (:func:`enabled`), missing or stale (another digest), or was
    compiled for other argument types: the caller then calls numba's dispatcher.
    """
    if not enabled():
        return None
    loaded = _library()
    if loaded is None:
        return None
    module, types = loaded
    try:
        key = signature_key(args)
    except TypeError:
        return None
    exported = types.get(name, {}).get(key)
    return None if exported is None else getattr(module, exported)


def _library() -> tuple[ModuleType, dict[str, dict[str, str]]] | None:
    """The library for the registry in force and its types, loaded once a process; None if none."""
    name = library_name()
    if name not in _LOADED:
        _LOADED[name] = _load(library_path(), name)
    return _LOADED[name]


def _load(path: Path, name: str) -> tuple[ModuleType, dict[str, dict[str, str]]] | None:
    """Import the extension module at ``path`` with its types, or None if either is missing.

    A library that is there but does not load (damaged, or built elsewhere) is said once on
    stderr, and the process runs through numba.
    """
    try:
        types = json.loads(types_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not path.exists():
        return None
    try:
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except (ImportError, OSError) as error:
        print(
            f"warning: the step compiled ahead of time, {path}, does not load ({error}); "
            "running through numba (`python -m sim compile --force` builds it again)",
            file=sys.stderr,
        )
        return None
    sys.modules[name] = module
    return module, types
