"""Fine-tuning in cluster mode: the training process runs as one Ray task with the GPUs it asks for.

The task starts the same training process the local daemon starts (`finetune_process`) on the
node Ray places it on, and yields its JSON event lines as a streaming task; the daemon's
`FinetuneRunner` reads them exactly as it reads a local process's stdout, so progress, validation
renders, the reply and resuming are the local engine's. The spec, checkpoints and the finished
adapter live in the adapter's folder, which every node reaches at the same path (the daemon's data
dir, or `--shared-dir`), so replicas load a new adapter from there without restarting.

A cancel travels as a file, `cancel`, in the adapter's folder: the task relays it to the training
process as the "cancel" line the local daemon writes on its stdin.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

from soundloom.daemon.finetune_runner import FinetuneRunner

log = logging.getLogger("soundloom.daemon")
EXIT = "\x00exit "  # the task's last line: the training process's exit status
CANCEL_FILE = "cancel"
CANCEL_POLL_S = 0.2


def train_on_node(spec_file: str):
    """Run on a cluster node: the training process of `spec_file`, yielding its stdout lines, then EXIT."""
    folder = Path(spec_file).parent
    cancel = folder / CANCEL_FILE
    with open(folder / "finetune.log", "ab") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "soundloom.engine.training.finetune_process", spec_file],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1,
                                   start_new_session=True)
    done = threading.Event()

    def relay_cancel() -> None:
        while not done.wait(CANCEL_POLL_S):
            if cancel.exists():
                try:
                    process.stdin.write("cancel\n")
                    process.stdin.flush()
                except OSError:  # it has just exited
                    pass
                return

    threading.Thread(target=relay_cancel, daemon=True).start()
    try:
        for line in process.stdout:
            yield line
        yield f"{EXIT}{process.wait()}"
    finally:
        done.set()
        if process.poll() is None:
            # The task was cancelled or its caller went away: closing stdin makes the process stop
            # after its current step, with a checkpoint.
            process.stdin.close()
            process.wait()


class _CancelPipe:
    """What the runner writes "cancel" to: the adapter folder's cancel file."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, text: str) -> None:
        if text.strip() == "cancel":
            self.path.touch()

    def flush(self) -> None:
        pass


class RemoteTraining:
    """A training process running as a Ray task, seen through the part of `subprocess.Popen` the runner uses."""

    def __init__(self, spec_file: Path, gpus: float, cpus: float):
        import ray

        cancel = spec_file.parent / CANCEL_FILE
        cancel.unlink(missing_ok=True)  # left by a run that was cancelled and is now resumed
        task = ray.remote(train_on_node).options(num_returns="streaming", num_gpus=gpus, num_cpus=cpus, max_retries=0)
        self._refs = task.remote(str(spec_file))
        self.returncode: int | None = None
        self.stdin = _CancelPipe(cancel)
        self.stdout = self._lines()

    def _lines(self):
        import ray

        try:
            for ref in self._refs:
                line = ray.get(ref)
                if line.startswith(EXIT):
                    self.returncode = int(line[len(EXIT):])
                    return
                yield line
        except Exception as exc:  # the node or the cluster went away: an ending without a result
            log.error("the fine-tuning task failed: %s", " ".join(str(exc).split())[:300])
        if self.returncode is None:
            self.returncode = -1

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        for _ in self.stdout:  # what is left after the outcome: the exit status
            pass
        return self.returncode

    def terminate(self) -> None:
        """Stop it before its training loop began (the runner's cancel while loading)."""
        import ray

        self.stdin.write("cancel\n")
        try:
            ray.cancel(self._refs)
        except Exception as exc:
            log.debug("cancelling the fine-tuning task: %s", exc)


class ClusterFinetuneRunner(FinetuneRunner):
    """The daemon's fine-tuning runner, with each run as one Ray task of `processes` data-parallel
    training processes, each with `gpus` GPUs and `cpus` CPUs, on the device that gives it (cuda with
    GPUs, else cpu). Ray places the task on one node; the processes share out its GPUs."""

    def __init__(self, *args, gpus: float, cpus: float, processes: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.gpus, self.cpus, self.processes = gpus, cpus, processes

    def _run(self, job) -> None:
        job.request.device = "cuda" if self.gpus > 0 else "cpu"  # the node's, not the daemon's
        job.request.processes = self.processes
        super()._run(job)

    def _launch(self, spec_file: Path):
        gpus, cpus = self.gpus * self.processes, self.cpus * self.processes
        log.info("fine-tuning %s runs as a Ray task of %d process(es) (%g GPU, %g CPU)", spec_file.parent.name,
                 self.processes, gpus, cpus)
        return RemoteTraining(spec_file, gpus, cpus)
