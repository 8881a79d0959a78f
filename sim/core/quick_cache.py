"""numba's disk cache, loaded without first registering every numba implementation.

This module owns how a compiled function of the model is loaded from numba's cache in a new
process: :func:`cached_njit` is numba's ``njit(cache=True, ...)`` whose dispatcher loads with
:class:`QuickLoadCache`.

Before it loads anything from its cache, numba's ``FunctionCache.load_overload`` refreshes the
target context: it imports and registers every implementation numba has (``numba.np.arraymath``,
``numba.np.linalg`` with SciPy's BLAS, typed containers, ...), which a compilation needs and a load
does not: the cached object code is already linked, and what it calls outside itself is numba's
runtime (its allocator and reference counts, ``rtsys.initialize``) and numba's C helpers,
registered when numba makes its target context. On this machine the refresh was 0.34-0.42 s of
the 0.47 s a process took to load the compiled step (``python -m cProfile -m sim sweep``,
2026-12-06), paid by every sweep worker, every command and the web page's server.
:class:`QuickLoadCache` starts numba's runtime and loads, and falls back to numba's own load
(refresh included) if anything in that raises; a cache miss compiles as before (numba's compiler
refreshes the contexts itself). Likewise numba's third-party extensions are looked for only
when the cache misses (:func:`_extensions_when_compiling`). ``tests/core/test_quick_cache.py``
checks these paths in fresh interpreters.

The load goes through numba's private ``FunctionCache._load_overload`` and the dispatcher's
``_compilation_chain_init_hook`` (as read in numba 0.68): a numba release that renames the first
makes every load take the fallback, slower and still correct; one that renames the second looks
for the extensions before every load, as numba does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit
from numba.core.caching import FunctionCache
from numba.core.dispatcher import Dispatcher
from numba.core.runtime import nrt


class QuickLoadCache(FunctionCache):
    """numba's ``FunctionCache`` whose load skips the refresh of every implementation."""

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        """The cached overload for ``sig``, or ``None`` when the cache has none.

        Args:
            sig: the signature asked for.
            target_context: numba's CPU target context.
        """
        try:
            nrt.rtsys.initialize(target_context)  # what the loaded code calls to allocate
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        except Exception:  # noqa: BLE001 - any failure: numba's own load decides
            return super().load_overload(sig, target_context)


def quick_load(dispatcher: Any) -> Any:
    """Give a cached dispatcher :class:`QuickLoadCache` (a plain function, no JIT, is returned).

    Args:
        dispatcher: what ``njit(cache=True, ...)`` made of a function; with
            ``NUMBA_DISABLE_JIT=1`` the function itself.
    """
    if isinstance(dispatcher, Dispatcher):
        dispatcher._cache = QuickLoadCache(dispatcher.py_func)
        dispatcher._compilation_chain_init_hook = _extensions_when_compiling
    return dispatcher


def _extensions_when_compiling() -> None:
    """Before a call of a new signature: nothing (numba's hook loads third-party extensions).

    numba's ``Dispatcher._compilation_chain_init_hook`` runs ``entrypoints.init_all``, which reads
    the entry points of every installed distribution to find numba extensions: 50-65 ms in this
    project's environment (181 distributions). A load from the cache needs none, and the model's
    functions use none; on a miss numba's compiler loads them anyway (its refresh does).
    """


def cached_njit(**options: Any) -> Callable[[Callable], Any]:
    """``numba.njit(cache=True, **options)``, loading from the cache with :class:`QuickLoadCache`.

    Args:
        **options: numba's ``njit`` options (``error_model``, ``nogil``, ``parallel``, ...).
    """
    decorate = njit(cache=True, **options)

    def decorator(function: Callable) -> Any:
        return quick_load(decorate(function))

    return decorator
