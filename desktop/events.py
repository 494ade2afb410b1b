"""A minimal observer for the Qt-free models: widgets connect to it, tests can too, without a window.

Like a Qt signal, it holds a method weakly: connecting a widget's method does not keep the widget
alive, and the connection goes with it. Held strongly, a model kept by the widget that listens to
it (a view and its timeline) would tie the two into a cycle that only the garbage collector frees,
on whichever thread it runs, where destroying widgets crashes. Functions and lambdas are held
strongly, as nothing else would keep them.
"""

from __future__ import annotations

import types
import weakref
from typing import Callable


class _WeakMethod:
    """A method (Python or a Qt wrapper's built-in one) that does not keep its object alive."""

    def __init__(self, method):
        self.owner = weakref.ref(method.__self__)
        self.function = getattr(method, "__func__", None)  # None for a built-in method: looked up by name
        self.name = method.__name__

    def resolve(self) -> Callable | None:
        owner = self.owner()
        if owner is None:
            return None
        return self.function.__get__(owner) if self.function is not None else getattr(owner, self.name)


def _held(callback: Callable):
    owner = getattr(callback, "__self__", None)
    if owner is None or isinstance(owner, (type, types.ModuleType)):
        return callback
    try:
        return _WeakMethod(callback)
    except TypeError:  # an object that cannot be weakly referenced: held as it is
        return callback


def _resolve(held) -> Callable | None:
    return held.resolve() if isinstance(held, _WeakMethod) else held


class Event:
    """Callbacks called in connection order with the emitted arguments."""

    def __init__(self):
        self._callbacks: list = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(_held(callback))

    def disconnect(self, callback: Callable) -> None:
        for held in self._callbacks:
            if _resolve(held) == callback:
                self._callbacks.remove(held)
                return
        raise ValueError(f"{callback!r} is not connected")

    def emit(self, *args) -> None:
        for held in list(self._callbacks):
            callback = _resolve(held)
            if callback is None:  # its object is gone
                if held in self._callbacks:
                    self._callbacks.remove(held)
                continue
            callback(*args)


def without_arguments(callback: Callable) -> Callable:
    """`callback` called with no arguments whatever a signal passes (a menu action's `checked`),
    holding a method weakly as `Event` does, where a lambda would hold its object alive."""
    held = _held(callback)

    def call(*_args) -> None:
        target = _resolve(held)
        if target is not None:
            target()
    return call
