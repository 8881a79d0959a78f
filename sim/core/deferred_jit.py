"""numba's decorators, deferred: numba is imported when a function is first compiled or called.

This module owns when numba is imported. A function of the equations is decorated at import
time, but a process that runs them from the library compiled ahead of time
(``sim.core.dynamics.native``) never compiles or calls them: importing numba (0.18 s on one
CPU) and loading its cached machine code (0.11 s) would be most of such a process's start. So
:func:`deferred` returns a :class:`Deferred` that holds the Python function and numba's options
and makes the dispatcher (``numba.njit(**options)``, or ``sim.core.quick_cache.cached_njit``)
only when the function is first called from Python or first compiled into another.

Inside numba a :class:`Deferred` stands for its dispatcher: numba types a global by its value,
and :func:`_register_with_numba` makes the type of a :class:`Deferred` that of its dispatcher;
the attributes numba's inliner reads (``targetoptions``, ``py_func``) are the dispatcher's.
With ``NUMBA_DISABLE_JIT=1`` the dispatcher is the Python function itself, as with ``njit``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_REGISTERED: list[bool] = []


class Deferred:
    """A function that numba compiles with ``options`` when it is first needed.

    Attributes:
        py_func: the Python function (as a numba dispatcher's ``py_func``).
    """

    def __init__(self, function: Callable, options: dict[str, Any], quick: bool) -> None:
        self.py_func = function
        self._options = options
        self._quick = quick
        self._dispatcher: Any = None
        functools.update_wrapper(self, function)

    def resolve(self) -> Any:
        """The numba dispatcher (made once, importing numba the first time)."""
        if self._dispatcher is None:
            with _LOCK:
                if self._dispatcher is None:
                    self._dispatcher = _dispatcher(self.py_func, self._options, self._quick)
        return self._dispatcher

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the compiled function (compiling or loading it on the first call)."""
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        """The dispatcher's attributes (``signatures``, ``targetoptions``, ...)."""
        if name.startswith("__") or name in ("_dispatcher", "_options", "_quick", "py_func"):
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __reduce__(self) -> str:
        """Pickled by reference, as a function is: its module's global of the same name."""
        return self.__qualname__

    def __repr__(self) -> str:
        state = "compiled" if self._dispatcher is not None else "deferred"
        return f"<Deferred {self.py_func.__qualname__} ({state})>"


def deferred(*, quick: bool = False, **options: Any) -> Callable[[Callable], Deferred]:
    """A decorator: ``numba.njit(**options)`` made when the function is first needed.

    Args:
        quick: load from numba's disk cache with ``sim.core.quick_cache.cached_njit`` (implies
            ``cache=True``).
        **options: numba's ``njit`` options.
    """

    def decorator(function: Callable) -> Deferred:
        return Deferred(function, dict(options), quick)

    return decorator


def resolve(function: Any) -> Any:
    """A :class:`Deferred`'s dispatcher; anything else unchanged."""
    return function.resolve() if isinstance(function, Deferred) else function


def _dispatcher(function: Callable, options: dict[str, Any], quick: bool) -> Any:
    """Numba's dispatcher of ``function``, importing numba (and registering) the first time."""
    _register_with_numba()
    if quick:
        from sim.core.quick_cache import cached_njit

        return cached_njit(**options)(function)
    from numba import njit

    return njit(**options)(function)


def _register_with_numba() -> None:
    """Teach numba that a :class:`Deferred` global has its dispatcher's type (once)."""
    with _LOCK:
        if _REGISTERED:
            return
        from numba.core.typing.typeof import typeof_impl

        @typeof_impl.register(Deferred)
        def _typeof_deferred(value: Deferred, context: Any) -> Any:
            return typeof_impl(value.resolve(), context)

        _REGISTERED.append(True)
