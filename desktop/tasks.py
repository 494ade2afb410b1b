"""Work off the UI thread, with its results delivered back on it.

The UI thread only paints and reacts: reading files, computing peaks and spectrograms, and every
call into the library index run on worker threads, and their results come back through a queued
Qt signal, so a slow disk or a big scan never freezes the window.
"""

from __future__ import annotations

import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot


class _Bridge(QObject):
    """Lives on the UI thread; a signal emitted from a worker reaches its slot there (queued)."""

    delivered = pyqtSignal(object, object)

    def __init__(self):
        super().__init__()
        self.delivered.connect(self._call)

    @pyqtSlot(object, object)
    def _call(self, callback, value) -> None:
        callback(value)


class TaskRunner(QObject):
    """Runs functions on its own threads; `done(result)` or `failed(message)` run on the UI thread.

    `pending` counts submitted tasks whose callbacks have not run yet.
    """

    def __init__(self, workers: int = 1, name: str = "worker", initializer: Callable | None = None):
        super().__init__()
        self._bridge = _Bridge()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=initializer)
        self.pending = 0
        self._closed = False

    def submit(self, fn: Callable, done: Callable | None = None, failed: Callable | None = None) -> Future | None:
        if self._closed:
            return None
        self.pending += 1
        future = self._executor.submit(fn)
        future.add_done_callback(lambda f: self._bridge.delivered.emit(self._finish(done, failed), f))
        return future

    def _finish(self, done, failed):
        def deliver(future: Future) -> None:
            self.pending -= 1
            if self._closed or future.cancelled():
                return
            error = future.exception()
            if error is None:
                if done is not None:
                    done(future.result())
            elif failed is not None:
                failed(_describe(error))
            else:
                traceback.print_exception(error)
        return deliver

    def close(self) -> None:
        """Drop queued work and wait for what is running (results are no longer delivered)."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


class LibraryService(TaskRunner):
    """The library index, opened on a thread of its own (opening checks and may rebuild the
    database); every query and edit runs there, in order, so the UI thread never waits on SQLite."""

    def __init__(self, db_path=None, generated=None):
        self.db_path, self.generated = db_path, generated
        self.index = None
        self.error = ""
        self.ready = threading.Event()  # set once opening finished, successfully or not
        super().__init__(1, "library", initializer=self._open)
        self._executor.submit(lambda: None)  # open now, not at the first query

    def _open(self) -> None:
        from soundloom.library import LibraryIndex

        try:
            self.index = LibraryIndex.open(self.db_path, generated=self.generated)
        except Exception as exc:  # noqa: BLE001 — every later call reports this instead of the app failing
            self.error = f"cannot open the library index: {_describe(exc)}"
        self.ready.set()

    def call(self, fn: Callable, done: Callable | None = None, failed: Callable | None = None):
        """Run `fn(index)` on the library thread; `done(result)` on the UI thread."""
        return self.submit(lambda: fn(self._index()), done, failed)

    def _index(self):
        if self.index is None:
            raise RuntimeError(self.error)
        return self.index

    def close(self) -> None:
        """Finish queued calls (edits among them), then close the index."""
        if not self._closed:
            self._closed = True
            self._executor.submit(self._close_index)
            self._executor.shutdown(wait=True)

    def _close_index(self) -> None:
        if self.index is not None:
            self.index.close()


class Scanner(QObject):
    """Scans the library's folders on a thread of its own, reporting progress.

    Progress is throttled to a few updates a second: one signal per file would flood the UI
    thread's queue during a scan of thousands of small files.
    """

    progress = pyqtSignal(int, int, str)   # done, total, current path
    finished = pyqtSignal(object)          # ScanReport
    failed = pyqtSignal(str)

    INTERVAL = 0.1  # seconds between progress signals

    def __init__(self, library: LibraryService):
        super().__init__()
        self.library = library
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Begin a scan; False if one is already running."""
        if self.running:
            return False
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._cancel,), name="library-scan", daemon=True)
        self._thread.start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, cancel: threading.Event) -> None:
        last = [0.0]

        def report(done: int, total: int, path) -> None:
            now = time.monotonic()
            if now - last[0] >= self.INTERVAL or done == total:
                last[0] = now
                self.progress.emit(done, total, str(path))

        self.library.ready.wait()
        if self.library.index is None:
            self.failed.emit(self.library.error)
            return
        try:
            result = self.library.index.scan(progress=report, cancel=cancel)
        except Exception as exc:  # noqa: BLE001 — any failure is shown in the status bar, the app carries on
            self.failed.emit(_describe(exc))
            return
        self.finished.emit(result)
