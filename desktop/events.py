"""A minimal observer for the Qt-free models: widgets connect to it, tests can too, without a window."""

from __future__ import annotations

from typing import Callable


class Event:
    """Callbacks called in connection order with the emitted arguments."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._callbacks):
            callback(*args)
