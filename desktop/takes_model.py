"""The takes of one sound: candidates the engine made for it, which one is kept, which discarded.

Qt-free, so the rules are tested without a window; the dock's list and the editor's list draw
from one TakesModel. A take is a file in the takes folder; the model only tracks it, and never
deletes a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from soundloom.desktop.events import Event

REGENERATE, TRANSFER, EXTEND = "regenerate", "transfer", "extend"
CANDIDATE, KEPT, DISCARDED = "candidate", "kept", "discarded"


@dataclass(frozen=True)
class Take:
    """One engine result for `source`. `regions` are (start, end) seconds of `source` that were
    regenerated (empty for transfer, the appended span for extend); `kept` is the file a keep made."""

    path: Path
    source: Path
    kind: str
    prompt: str
    seed: int | None
    regions: tuple[tuple[float, float], ...] = ()
    strength: float | None = None
    state: str = CANDIDATE
    kept: Path | None = None
    number: int = 0  # 1-based, in the order the takes arrived: what the list and A/B call it
    metadata: dict = field(default_factory=dict, compare=False, hash=False)

    def label(self) -> str:
        """`Take 2 · seed 1234 · 0.50–1.20 s`: what the list shows."""
        what = {REGENERATE: "Take", TRANSFER: "Re-imagined", EXTEND: "Extended"}.get(self.kind, "Take")
        parts = [f"{what} {self.number}"]
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.kind == TRANSFER and self.strength is not None:
            parts.append(f"strength {self.strength:.2f}")
        if self.regions:
            parts.append(", ".join(f"{s:.2f}–{e:.2f} s" for s, e in self.regions))
        if self.state == KEPT:
            parts.append("kept")
        return " · ".join(parts)


class TakesModel:
    """The takes of every sound worked on this session; the list shows the current sound's, in
    arrival order, and which one is selected (the B side).

    Takes that arrive for a sound while another is shown are kept for when it comes back.
    Discarded takes leave the list but stay known, so an undo brings them back in their place.
    """

    def __init__(self):
        self.source: Path | None = None
        self._takes: list[Take] = []
        self.selected: Path | None = None
        self.changed = Event()            # the list or a take's state changed
        self.selection_changed = Event()  # the selected take changed

    # ------------------------------------------------------------------ reading

    @property
    def takes(self) -> list[Take]:
        """The current sound's takes still listed (candidates and kept ones)."""
        return [t for t in self._takes if t.source == self.source and t.state != DISCARDED]

    def get(self, path: Path) -> Take | None:
        path = Path(path)
        return next((t for t in self._takes if t.path == path), None)

    def selected_take(self) -> Take | None:
        take = self.get(self.selected) if self.selected is not None else None
        return take if take is not None and take.state != DISCARDED and take.source == self.source else None

    def kept(self) -> list[Take]:
        return [t for t in self._takes if t.state == KEPT]

    def kept_as(self, path: Path) -> Take | None:
        """The take that was kept as the file `path`, if any."""
        return next((t for t in self._takes if t.state == KEPT and t.kept == Path(path)), None)

    def of(self, source: Path) -> list[Take]:
        """Every take of `source` made this session, discarded ones included."""
        return [t for t in self._takes if t.source == Path(source)]

    # ------------------------------------------------------------------ changing

    def set_source(self, source: Path | None) -> None:
        """Another sound: the list shows its takes, the newest selected."""
        source = Path(source) if source is not None else None
        if source == self.source:
            return
        self.source = source
        listed = self.takes
        self._select(listed[-1].path if listed else None)
        self.changed.emit()

    def add(self, take: Take) -> Take:
        """Add a new take of its source (numbered after that source's last); selected if it belongs
        to the sound shown and nothing is selected."""
        number = max((t.number for t in self.of(take.source)), default=0) + 1
        take = replace(take, number=number)
        self._takes.append(take)
        self.changed.emit()
        if take.source == self.source and self.selected_take() is None:
            self._select(take.path)
        return take

    def select(self, path: Path | None) -> None:
        take = self.get(path) if path is not None else None
        listed = take is not None and take.state != DISCARDED and take.source == self.source
        self._select(take.path if listed else None)

    def set_state(self, path: Path, state: str, kept: Path | None = None) -> Take:
        """Mark a take candidate, kept (with the kept file) or discarded."""
        take = self.get(path)
        if take is None:
            raise KeyError(f"no take {path}")
        updated = replace(take, state=state, kept=kept if state == KEPT else None)
        self._takes[self._takes.index(take)] = updated
        self.changed.emit()
        if state == DISCARDED and self.selected == take.path:
            listed = self.takes
            self._select(listed[-1].path if listed else None)
        elif self.selected_take() is None and state != DISCARDED and take.source == self.source:
            self._select(take.path)
        return updated

    def _select(self, path: Path | None) -> None:
        if path != self.selected:
            self.selected = path
            self.selection_changed.emit()
