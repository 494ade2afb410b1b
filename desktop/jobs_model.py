"""Every engine job the app started, as list rows: progress, time left, outcome.

`JobsModel` follows an EngineLink's signals; the jobs panel draws it. Times in seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PyQt6.QtCore import QAbstractListModel, QModelIndex, Qt

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)


@dataclass
class JobRow:
    id: str
    kind: str
    title: str
    total: int
    step: int = 0
    eta_s: float | None = None
    state: str = QUEUED
    reason: str = ""     # why it failed
    outcome: str = ""    # what it made, e.g. "4 takes"
    started: float = field(default_factory=time.monotonic)
    cancelling: bool = False

    @property
    def fraction(self) -> float:
        if self.state == DONE:
            return 1.0
        return min(1.0, self.step / self.total) if self.total else 0.0

    def status_text(self) -> str:
        """The short line beside the row's progress bar."""
        if self.state == QUEUED:
            return "cancelling…" if self.cancelling else "waiting"
        if self.state == RUNNING:
            if self.cancelling:
                return "cancelling…"
            if self.eta_s is not None and self.step:
                return f"{self.step}/{self.total} · {_duration(self.eta_s)} left"
            return f"{self.step}/{self.total}" if self.total else "running"
        if self.state == DONE:
            return self.outcome or "done"
        if self.state == CANCELLED:
            return "cancelled"
        return "failed"


def _duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


class JobsModel(QAbstractListModel):
    JobRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, link=None, parent=None):
        super().__init__(parent)
        self.rows: list[JobRow] = []
        if link is not None:
            self.follow(link)

    def follow(self, link) -> None:
        # Bound methods only: Qt drops these connections when the model goes, whereas a lambda
        # would keep the model alive as long as the link.
        link.job_added.connect(self._added)
        link.job_progress.connect(self.progress)
        link.job_result.connect(self._made_takes)
        link.finetune_result.connect(self._made_adapter)
        link.job_failed.connect(self.fail)
        link.job_cancelled.connect(self.cancelled)

    def _added(self, view) -> None:
        self.add(view.id, view.kind, view.title, view.total)

    def _made_takes(self, job_id: str, clips) -> None:
        self.finish(job_id, f"{len(clips)} take{'s' if len(clips) != 1 else ''}")

    def _made_adapter(self, job_id: str, result: dict) -> None:
        self.finish(job_id, f"adapter {result.get('adapter', '')}")

    # ------------------------------------------------------------------ changes

    def add(self, job_id: str, kind: str, title: str, total: int) -> None:
        # In the order they were started, as the engine runs them: a queue reads top to bottom.
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(JobRow(job_id, kind, title, total))
        self.endInsertRows()

    def row_of(self, job_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == job_id), -1)

    def job(self, job_id: str) -> JobRow | None:
        at = self.row_of(job_id)
        return self.rows[at] if at >= 0 else None

    def _changed(self, job_id: str, **changes) -> None:
        at = self.row_of(job_id)
        if at < 0:
            return
        row = self.rows[at]
        for name, value in changes.items():
            setattr(row, name, value)
        self.dataChanged.emit(self.index(at), self.index(at))

    def progress(self, job_id: str, step: int, total: int, eta_s) -> None:
        row = self.job(job_id)
        if row is not None and row.state in ACTIVE:
            self._changed(job_id, step=step, total=total or row.total, eta_s=eta_s, state=RUNNING)

    def finish(self, job_id: str, outcome: str = "") -> None:
        self._changed(job_id, state=DONE, outcome=outcome, eta_s=None)

    def set_outcome(self, job_id: str, outcome: str) -> None:
        self._changed(job_id, outcome=outcome)

    def fail(self, job_id: str, reason: str) -> None:
        self._changed(job_id, state=FAILED, reason=reason, eta_s=None)

    def cancelled(self, job_id: str) -> None:
        self._changed(job_id, state=CANCELLED, eta_s=None)

    def mark_cancelling(self, job_id: str) -> None:
        self._changed(job_id, cancelling=True)

    def clear_finished(self) -> None:
        self.beginResetModel()
        self.rows = [r for r in self.rows if r.state in ACTIVE]
        self.endResetModel()

    def active(self) -> list[JobRow]:
        return [r for r in self.rows if r.state in ACTIVE]

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.kind}: {row.title}"
            return f"{tip}\nfailed: {row.reason}" if row.state == FAILED else tip
        if role == self.JobRole:
            return row
        return None
