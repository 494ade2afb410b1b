"""An incremental scan: new, changed, moved and removed files, committed in batches.

Unchanged files (same size and mtime, and caption files of the same mtime) are not opened. A new file whose content hash equals a
vanished entry's is that entry moved: it keeps its rating, tags and collections. Results are
committed every `BATCH_FILES` files or `BATCH_SECONDS`, so a scan killed halfway loses at most
one batch, and the next scan picks up where it stopped (committed files are then unchanged).
Removals wait for a complete scan: a cancelled scan removes nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from soundloom.library.analysis import FileFacts, Unusable, analyse, content_hash
from soundloom.library.paths import display, key
from soundloom.library.records import ScanReport
from soundloom.library.walk import walk

log = logging.getLogger("soundloom.library")
BATCH_FILES = 64
BATCH_SECONDS = 2.0
ANALYSIS_THREADS = max(1, min(4, os.cpu_count() or 1))
Progress = Callable[[int, int, str], None]


class Scan:
    """One run over every root of `index`; `run()` returns the ScanReport."""

    def __init__(self, index, progress: Progress | None = None, cancel: threading.Event | None = None,
                 analysis_seconds: float | None = None):
        self.index, self.progress, self.cancel = index, progress, cancel or threading.Event()
        self.analysis_seconds = analysis_seconds
        self.report = ScanReport()
        self._pending: list[tuple[str, tuple]] = []
        self._last_flush = time.monotonic()
        self._sizes: tuple[int, set[int]] | None = None  # sizes of vanished entries, for move detection

    def run(self) -> ScanReport:
        store = self.index._store
        roots = store.root_rows()
        existing = store.file_states()  # path key -> (id, size, mtime_ns, hash, root_id, sidecar mtime)
        found: list[tuple[dict, object]] = []
        protected: list[bytes] = []  # path prefixes whose entries must not be removed
        for root in roots:
            path = os.fsdecode(root["path"])
            if not os.path.isdir(path):
                protected.append(root["path"] + os.sep.encode())
                kept = sum(1 for state in existing.values() if state[4] == root["id"])
                self.report.notices.append(f"{display(root['path'])} is missing (unplugged?); its {kept} sounds are kept")
                continue
            result = walk(path)
            self.report.skipped.extend(result.skipped)
            protected.extend(key(folder) + os.sep.encode() for folder in result.unreadable)
            found.extend((root, item) for item in result.files)
        seen = {key(item.path) for _, item in found}
        missing = {k: v for k, v in existing.items() if k not in seen and not any(k.startswith(p) for p in protected)}
        by_hash: dict[str, list[bytes]] = {}
        for k, state in missing.items():
            by_hash.setdefault(state[3], []).append(k)
        total, done = len(found), 0
        work = []
        for root, item in found:
            state = existing.get(key(item.path))
            if state is not None and (state[1], state[2], state[5]) == (item.stat.st_size, item.stat.st_mtime_ns,
                                                                        item.sidecar_mtime_ns):
                self.report.unchanged += 1
                done += 1
            else:
                work.append((root, item, state))
        self._tell(done, total, "")
        # Files are analysed on a few threads (decoding, FFTs and filters release the GIL); moves,
        # bookkeeping and database writes stay on this thread, in walk order.
        in_flight: deque = deque()
        with ThreadPoolExecutor(ANALYSIS_THREADS, thread_name_prefix="soundloom-analysis") as pool:
            for root, item, state in work:
                if self.cancel.is_set():
                    self.report.cancelled = True
                    break
                if state is None:
                    moved_from = self._moved_from(item, missing, by_hash)
                    if moved_from is not None:
                        self._pending.append(("move", (moved_from, root, item)))
                        self.report.moved += 1
                        done += 1
                        self._tell(done, total, item.path)
                        continue
                in_flight.append((root, item, state, pool.submit(self._analyse, root, item)))
                while in_flight and (len(in_flight) > 2 * ANALYSIS_THREADS or in_flight[0][3].done()):
                    done += 1
                    self._finish(*in_flight.popleft(), missing, done, total)
            while in_flight:  # also after a cancel: these are read already, keep them
                done += 1
                self._finish(*in_flight.popleft(), missing, done, total)
        self._flush()
        if not self.report.cancelled and missing:
            self.report.removed = store.remove_files(list(missing))
        return self.report

    def _tell(self, done: int, total: int, path: str) -> None:
        if self.progress is not None:
            try:
                self.progress(done, total, path)
            except Exception:  # a failing progress display must not stop indexing
                log.exception("scan progress callback failed")

    def _analyse(self, root, item) -> FileFacts | Unusable:
        options = {} if self.analysis_seconds is None else {"analysis_seconds": self.analysis_seconds}
        try:
            return analyse(Path(item.path), Path(item.relative), item.stat,
                           generated_root=root["kind"] == "generated", **options)
        except Unusable as exc:
            return exc
        except OSError as exc:
            return Unusable(f"unreadable ({exc.strerror or exc})")
        except Exception as exc:  # a bug on one odd file must not end the scan
            log.exception("analysing %s failed", item.path)
            return Unusable(f"could not be analysed ({type(exc).__name__}: {exc})")

    def _finish(self, root, item, state, future, missing: dict, done: int, total: int) -> None:
        facts = future.result()
        if isinstance(facts, Unusable):
            if not os.path.lexists(item.path):  # vanished between listing and reading
                self.report.skipped.append((display(item.path), "vanished while scanning"))
                if state is not None:
                    missing[key(item.path)] = state
            else:
                self.report.skipped.append((display(item.path), str(facts)))
        else:
            self._pending.append(("upsert", (root, item, facts)))
            if state is None:
                self.report.added += 1
            else:
                self.report.changed += 1
        self._tell(done, total, item.path)
        self._flush_if_due()

    def _moved_from(self, item, missing: dict, by_hash: dict) -> bytes | None:
        """The vanished entry `item` is, by content; files are hashed only when one of that size vanished."""
        if not self._size_vanished(item.stat.st_size, missing):
            return None
        candidates = [k for k in by_hash.get(content_hash(item.path), []) if k in missing]
        if not candidates:
            return None
        chosen = candidates[0]
        for keys in by_hash.values():
            if chosen in keys:
                keys.remove(chosen)
        del missing[chosen]
        return chosen

    def _size_vanished(self, size: int, missing: dict) -> bool:
        if self._sizes is None or self._sizes[0] != len(missing):
            self._sizes = (len(missing), {state[1] for state in missing.values()})
        return size in self._sizes[1]

    def _flush_if_due(self) -> None:
        if len(self._pending) >= BATCH_FILES or time.monotonic() - self._last_flush >= BATCH_SECONDS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.index._store.write_batch(self._pending)
            self._pending = []
        self._last_flush = time.monotonic()


class ScanTask:
    """A scan running on its own thread: `wait()` returns its ScanReport; `cancel()` stops it after
    the current file (what was done so far stays committed)."""

    def __init__(self, scan: Scan, done: threading.Event):
        self._scan, self._done = scan, done
        self.error: BaseException | None = None

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def cancel(self) -> None:
        self._scan.cancel.set()

    def wait(self, timeout: float | None = None) -> ScanReport | None:
        if not self._done.wait(timeout):
            return None
        if self.error is not None:
            raise self.error
        return self._scan.report
