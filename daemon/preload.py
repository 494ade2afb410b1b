"""Loading the default model while the engine finishes starting and its first client connects.

A new engine's first request almost always uses its default model. Loading it in a thread from
the moment the engine exists overlaps the load with binding the sockets, writing the connection
file and the client's connecting, instead of starting it only when the first request arrives.
Every other use of the engine waits for that load to end, so the engine is still used by one
thread at a time and a request for another model simply loads that one after it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from soundloom.engine.engine import Engine

log = logging.getLogger("soundloom.daemon")


class PreloadingEngine(Engine):
    """An Engine that can start loading one model in the background (`preload`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._preload: threading.Thread | None = None
        self.preload_s: float | None = None  # how long the background load took, once done

    def preload(self, folder: Path) -> None:
        """Start loading `folder` now; a failure is only logged, and the first request that needs
        the model loads it again and reports why."""
        def load() -> None:
            started = time.perf_counter()
            try:
                super(PreloadingEngine, self).load(folder)
            except Exception as exc:
                log.warning("could not preload %s (%s); it loads on first use", folder, exc)
            self.preload_s = time.perf_counter() - started
            log.info("preloaded %s in %.2f s", folder, self.preload_s)

        self._preload = threading.Thread(target=load, name="soundloom-preload", daemon=True)
        self._preload.start()

    def wait_for_preload(self) -> None:
        if self._preload is not None and self._preload is not threading.current_thread():
            self._preload.join()

    def load(self, path: str | Path | None = None):
        self.wait_for_preload()
        return super().load(path)

    def unload(self) -> None:
        self.wait_for_preload()
        super().unload()
