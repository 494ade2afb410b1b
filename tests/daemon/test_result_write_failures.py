"""A result that cannot be stored fails its job with `disk_full`, leaves nothing partial, and the
engine goes on serving; a worker that dies regardless is replaced and its jobs are answered."""

import os
import resource
import subprocess

import pytest

from soundloom.daemon.jobs import Job, JobBoard
from soundloom.daemon.outbox import Outbox
from soundloom.daemon.results import ResultStore
from soundloom.daemon.supervisor import MAX_RESTARTS, WorkerSupervisor
from soundloom.daemon.worker import Worker
from soundloom.protocol.errors import SoundloomError

TWO_SECONDS = {"seconds": 2.0, "steps": 2, "guidance": 1.0}  # 128 kB of float32: over the limits below


def _stored_files(data):
    return sorted(p.name for folder in ("results", "jobs") for p in (data / folder).iterdir())


def test_a_file_size_limit_fails_the_job_with_disk_full_and_the_next_job_is_served(make_daemon, connect):
    engine = make_daemon()
    client = connect(engine.start())
    before = _stored_files(engine.data)
    unlimited = resource.RLIM_INFINITY
    resource.prlimit(engine.process.pid, resource.RLIMIT_FSIZE, (50_000, unlimited))  # soft limit: EFBIG past it
    # Two jobs at once: neither may hang behind the other's failure.
    first = client.send("generate_request", {"prompt": "rain", "seed": 1, **TWO_SECONDS})
    second = client.send("generate_request", {"prompt": "wind", "seed": 2, **TWO_SECONDS})
    replies = {r["parent_header"]["msg_id"]: r["content"] for r in (client.recv(timeout=120), client.recv(timeout=120))}
    for sent in (first, second):
        reply = replies[sent["header"]["msg_id"]]
        assert (reply["status"], reply["code"]) == ("error", "disk_full"), reply
        assert "File too large" in reply["message"]
    assert _stored_files(engine.data) == before  # no partial file, no temporary left behind
    status = client.request("info_request")["content"]
    assert status["queue_length"] == 0 and status["worker"]["alive"] and status["worker"]["restarts"] == 0

    small = client.request("generate_request", {"prompt": "rain", "seed": 1, "seconds": 0.5, "steps": 2, "guidance": 1.0},
                           timeout=120)["content"]
    assert small["status"] == "ok"  # under the limit: the same worker serves on
    resource.prlimit(engine.process.pid, resource.RLIMIT_FSIZE, (unlimited, unlimited))
    ok = client.request("generate_request", {"prompt": "rain", "seed": 1, **TWO_SECONDS}, timeout=120)["content"]
    assert ok["status"] == "ok"
    assert engine.process.poll() is None


@pytest.fixture
def small_filesystem(tmp_path):
    """A 4 MB tmpfs, for running out of space for real; skipped where this user cannot mount."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}); the file size limit test covers the class")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_filesystem_fails_the_job_with_disk_full_and_freeing_space_recovers(small_filesystem, tiny_model_path, connect):
    from tests.conftest import Daemon

    engine = Daemon(small_filesystem, tiny_model_path)
    client = connect(engine.start())
    try:
        before = _stored_files(engine.data)
        filler = small_filesystem / "filler"
        free = os.statvfs(small_filesystem).f_bavail * os.statvfs(small_filesystem).f_frsize
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, free - 40_000))
        reply = client.request("generate_request", {"prompt": "rain", "seed": 1, **TWO_SECONDS}, timeout=120)["content"]
        assert (reply["status"], reply["code"]) == ("error", "disk_full"), reply
        assert "No space left" in reply["message"]
        assert _stored_files(engine.data) == before
        filler.unlink()
        again = client.request("generate_request", {"prompt": "rain", "seed": 1, **TWO_SECONDS}, timeout=120)["content"]
        assert again["status"] == "ok"
    finally:
        engine.stop()


class _Dying(BaseException):
    """Not an Exception: what the worker's own error handling does not catch (a bug's last resort)."""


class _DyingEngine:
    """Stands in for the model engine: its first load ends the worker thread. A real worker dying is
    what cannot be provoked from outside any more, so it is injected here."""

    model = None

    def load(self, path):
        raise _Dying("the engine broke")


def _job(job_id: str) -> Job:
    from types import SimpleNamespace

    return Job(job_id=job_id, action="model_load", request=None, model=SimpleNamespace(path="m", name="m"),
               priority="interactive", session="s", header={"msg_id": job_id}, waiters=[([], {"header": {}})])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the injected death
def test_a_worker_that_dies_has_its_job_failed_and_is_replaced_until_it_keeps_dying(tmp_path):
    import zmq

    context = zmq.Context()
    board, outbox = JobBoard(), Outbox(context)
    store = ResultStore(tmp_path)
    supervisor = WorkerSupervisor(lambda: Worker(_DyingEngine(), board, store, outbox), board, outbox)
    supervisor.start()
    try:
        for attempt in range(1, MAX_RESTARTS + 2):
            job = _job(f"job{attempt}")
            board.submit(job)
            supervisor.worker.join(timeout=60)
            assert not supervisor.worker.is_alive()
            supervisor.check()
            assert job.state == "error"
            assert "worker failed" in job.reply[0]["message"] and "_Dying: the engine broke" in job.reply[0]["message"]
        health = supervisor.health()
        assert health["restarts"] == MAX_RESTARTS + 1 and "_Dying" in health["last_failure"]
        with pytest.raises(SoundloomError, match="restart the engine"):
            supervisor.refuse_if_failed()
    finally:
        supervisor.worker.stopping.set()
        outbox.close()
        context.term()
