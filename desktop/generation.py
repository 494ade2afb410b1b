"""Generating from the prompt bar: send the request, save each take into the Generated folder as
it arrives, play the first one at once, index and show them.

A request for several takes is sent as two jobs, the first take alone and then the rest (seeds
follow on, so the takes are the same as one job would make): the engine answers a job only when
all its takes are done, and the first take is what the user is waiting to hear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PyQt6.QtCore import QObject, pyqtSignal

from soundloom.desktop.generated_files import save_clip
from soundloom.desktop.tasks import TaskRunner
from soundloom.sdk.job import SEED_MODULUS


@dataclass
class Request:
    """One press of Enter: its parameters, its jobs, the files made so far."""

    params: dict
    jobs: list[str] = field(default_factory=list)
    paths: list = field(default_factory=list)
    played: bool = False


def title_of(params: dict, first: int = 1, count: int = 1) -> str:
    total = params.get("variations", 1)
    takes = "" if total == 1 else (f" · take {first} of {total}" if count == 1 else
                                   f" · takes {first}–{first + count - 1} of {total}")
    return f"{params['prompt']} · {params['seconds']:g} s{takes}"


def split(params: dict) -> list[tuple[dict, int]]:
    """The jobs for a request: (parameters, number of its first take); the first take on its own."""
    count = int(params.get("variations", 1))
    if count <= 1:
        return [(dict(params), 1)]
    first = dict(params, variations=1)
    rest = dict(params, variations=count - 1)
    if params.get("seed") is not None:
        rest["seed"] = (int(params["seed"]) + 1) % SEED_MODULUS
    return [(first, 1), (rest, 2)]


class Generation(QObject):
    """Owns the prompt bar's jobs. `saved(paths)` after each job's takes are written."""

    saved = pyqtSignal(list)
    first_played = pyqtSignal(str)  # the path of a request's first take, as it starts playing

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.link = window.link
        self.requests: dict[str, Request] = {}   # job id -> its request, until its takes are saved
        self.paths_of: dict[str, list] = {}       # job id -> the takes it made
        self._writer = TaskRunner(1, "generated-writer")
        self.link.job_result.connect(self._result)
        self.link.job_failed.connect(self._ended)
        self.link.job_cancelled.connect(self._ended)

    def generate(self, params: dict) -> list[str]:
        """Send a request (the SDK's submit_generate parameters); returns its job ids."""
        request = Request(dict(params))
        for job_params, first in split(params):
            title = title_of(params, first, job_params.get("variations", 1))
            job_id = self.link.submit("generate", title, **job_params)
            request.jobs.append(job_id)
            self.requests[job_id] = request
        return list(request.jobs)

    def close(self) -> None:
        self._writer.close()

    def _result(self, job_id: str, clips: list) -> None:
        request = self.requests.get(job_id)
        if request is None:
            return  # another part of the app started it
        folder = self.window.generated_folder()
        extra = {}
        if request.params.get("adapter_scale") is not None:
            extra["adapter_scale"] = request.params["adapter_scale"]
        if request.params.get("negative_prompt"):
            extra.setdefault("negative_prompt", request.params["negative_prompt"])
        self._writer.submit(lambda: [save_clip(clip, folder, extra) for clip in clips],
                            lambda paths: self._saved(job_id, request, paths),
                            lambda error: self._save_failed(job_id, error))

    def _saved(self, job_id: str, request: Request, paths: list) -> None:
        self.requests.pop(job_id, None)
        self.paths_of[job_id] = list(paths)
        request.paths.extend(paths)
        first = bool(paths) and not request.played
        if first:
            request.played = True
            if self.window.play(str(paths[0])):
                self.first_played.emit(str(paths[0]))
        # The row's title already says which take it is: one saved take needs no count.
        self.window.jobs_model.set_outcome(job_id, "saved" if len(paths) == 1 else f"{len(paths)} takes saved")
        # Only a request's first takes are selected: later ones must not cut off what is playing.
        self.window.add_generated(paths, select=first)
        self.saved.emit(paths)

    def _save_failed(self, job_id: str, error: str) -> None:
        self.requests.pop(job_id, None)
        self.window.jobs_model.fail(job_id, f"the takes could not be saved: {error}")
        self.window.show_error(f"generated takes could not be saved: {error}")

    def _ended(self, job_id: str, *_reason) -> None:
        self.requests.pop(job_id, None)
