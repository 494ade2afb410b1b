"""Fine-tuning through the daemon over real sockets: preview, training in its own process, adapters
as model variants, cancel and resume, and bad input — with the library's files left untouched."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from soundloom.protocol.codec import extract_audio
from tests.conftest import Daemon, Peer

RATE = 16000


def write_library(folder: Path) -> Path:
    """Six short decaying tones in two families, names with spaces and unicode, plus files to skip."""
    t = np.arange(int(RATE * 0.7)) / RATE
    for i in range(3):
        (folder / "Kicks").mkdir(parents=True, exist_ok=True)
        (folder / "Plucks é").mkdir(parents=True, exist_ok=True)
        sf.write(folder / "Kicks" / f"Kick_Punchy_{i:02d}.wav", (0.8 * np.sin(2 * np.pi * (50 + 10 * i) * t) * np.exp(-9 * t)), RATE)
        sf.write(folder / "Plucks é" / f"bright pluck {i}.flac", (0.5 * np.sin(2 * np.pi * (800 + 100 * i) * t) * np.exp(-5 * t)), RATE)
    (folder / "Kicks" / "Kick_Punchy_00.txt").write_text("a deep punchy kick drum\n")
    (folder / "broken.wav").write_bytes(b"RIFF not really a wave file")
    sf.write(folder / "silence.wav", np.zeros(RATE), RATE)
    return folder


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """SHA-256, mtime and mode of every file: what 'the library is never touched' means."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _is_idle(msg: dict) -> bool:
    return msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"


class Session:
    """A peer that waits for one reply while keeping the iopub events of its job."""

    def __init__(self, peer: Peer):
        self.peer = peer

    def call(self, msg_type: str, content: dict, timeout: float = 30) -> dict:
        return self.peer.request(msg_type, content, timeout=timeout)["content"]

    def start(self, content: dict) -> str:
        return self.peer.send("finetune_request", content)["header"]["msg_id"]

    def events(self, job_id: str, until: str | None = None, timeout: float = 240) -> tuple[list[dict], dict | None]:
        """iopub events of `job_id` until the shell reply arrives (returned) or an event of type `until`."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            while self.peer.iopub.poll(0):
                msg = self.peer.session.recv(self.peer.iopub)
                if msg["parent_header"].get("msg_id") == job_id:
                    seen.append(msg)
                    if msg["msg_type"] == until:
                        return seen, None
            if self.peer.shell.poll(50):
                reply = self.peer.session.recv(self.peer.shell)
                if reply["parent_header"]["msg_id"] == job_id:
                    # The job's idle status is published last, right after the reply: read up to it.
                    if not any(_is_idle(msg) for msg in seen):
                        seen += self.peer.events_until_idle(job_id, timeout=max(30.0, deadline - time.monotonic()))
                    return seen, reply
        raise TimeoutError(f"job {job_id} did not finish within {timeout} s")


@pytest.fixture(scope="module")
def engine(tiny_model_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("finetune")
    libraries = root / "libraries"
    libraries.mkdir()
    # Roots bind only an engine reachable from other machines (a local one reads what its user can).
    daemon = Daemon(root, tiny_model_path, "--allow-remote", "--library-root", str(libraries))
    daemon.start()
    daemon.libraries = libraries
    yield daemon
    daemon.stop()


@pytest.fixture
def session(engine):
    peer = Peer(engine.info)
    peer.wait_for_events()
    yield Session(peer)
    peer.close()


@pytest.fixture
def library(engine, request):
    return write_library(engine.libraries / request.node.name)


QUICK = {"steps": 4, "batch_size": 2, "checkpoint_every": 2, "validate_every": 2, "learning_rate": 5e-3}


def test_library_preview_lists_clips_captions_and_skipped_files(session, library):
    before = fingerprint(library)
    reply = session.call("library_preview_request", {"folder": str(library)})
    assert reply["status"] == "ok"
    captions = {c["path"]: (c["caption"], c["caption_source"]) for c in reply["clips"]}
    assert captions["Kicks/Kick_Punchy_00.wav"] == ("a deep punchy kick drum", "sidecar")
    assert captions["Kicks/Kick_Punchy_01.wav"] == ("kick punchy, kicks", "names")
    assert captions["Plucks é/bright pluck 1.flac"][0].startswith("bright pluck")
    reasons = {s["path"]: s["reason"] for s in reply["skipped"]}
    assert reasons["broken.wav"].startswith("unreadable") and reasons["silence.wav"].startswith("silent")
    assert reply["total_seconds"] == pytest.approx(6 * 0.7, abs=0.01)
    assert fingerprint(library) == before


def test_finetune_trains_an_adapter_that_requests_can_select_and_scale(session, library, engine):
    before = fingerprint(library)
    job_id = session.start({"folder": str(library), "name": "kicks", "validation_prompts": ["a punchy kick"], **QUICK})
    events, reply = session.events(job_id)
    content = reply["content"]
    assert content["status"] == "ok", content
    assert content["model"] == "tiny-audioldm+kicks" and content["steps"] == 4 and np.isfinite(content["loss"])
    progress = [e["content"] for e in events if e["msg_type"] == "progress"]
    assert progress[-1]["step"] == 4 and progress[-1]["total"] == 4 and all(np.isfinite(p["loss"]) for p in progress)
    renders = [e for e in events if e["msg_type"] == "validation"]
    assert [e["content"]["step"] for e in renders] == [2, 4]
    audio, rate = extract_audio(renders[-1], renders[-1]["content"]["audio"])
    assert rate == RATE and audio.shape[-1] > RATE and np.abs(audio).max() > 0

    models = {m["name"]: m for m in session.call("models_list_request", {})["models"]}
    assert models["tiny-audioldm+kicks"]["base"] == "tiny-audioldm"
    listed = {a["name"]: a for a in session.call("adapters_list_request", {})["adapters"]}
    assert listed["kicks"]["state"] == "ready" and listed["kicks"]["steps"] == 4 and listed["kicks"]["clips"] == 6

    def render(model: str, scale: float | None = None) -> np.ndarray:
        fields = {"prompt": "a punchy kick", "seconds": 1.0, "steps": 4, "seed": 7, "model": model}
        if scale is not None:
            fields["adapter_scale"] = scale
        reply = session.peer.request("generate_request", fields, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
        assert reply["content"]["metadata"]["model"] == model
        return extract_audio(reply, reply["content"]["audio"][0])[0]

    base = render("tiny-audioldm")
    assert np.array_equal(render("tiny-audioldm+kicks", 0.0), base)  # scale 0 is exactly the base model
    adapted = render("tiny-audioldm+kicks")
    assert not np.allclose(adapted, base, atol=1e-6)
    assert not np.allclose(render("tiny-audioldm+kicks", 0.5), adapted, atol=1e-6)
    assert np.array_equal(render("tiny-audioldm"), base)  # the base is unchanged after a variant ran

    again = session.call("finetune_request", {"folder": str(library), "name": "kicks", **QUICK})
    assert (again["code"], again["field"]) == ("adapter_exists", "name")
    assert session.call("adapters_remove_request", {"name": "kicks"}) == {"status": "ok", "name": "kicks", "removed": True}
    assert "tiny-audioldm+kicks" not in {m["name"] for m in session.call("models_list_request", {})["models"]}
    assert fingerprint(library) == before


@pytest.mark.slow  # the SDK's cancel-and-resume test covers this path in the default run
def test_cancel_keeps_a_checkpoint_and_resume_finishes(session, library):
    before = fingerprint(library)
    settings = {"folder": str(library), "name": "long", "steps": 100000, "checkpoint_every": 1000, "batch_size": 1}
    job_id = session.start(settings)
    events, _ = session.events(job_id, until="progress")
    # Training runs in its own process: a generate request is served meanwhile.
    generated = session.call("generate_request", {"prompt": "rain", "seconds": 1.0, "steps": 3, "seed": 1}, timeout=120)
    assert generated["status"] == "ok"
    assert session.call("job_status_request", {"job_id": job_id})["state"] == "running"
    busy = session.call("adapters_remove_request", {"name": "long"})
    assert (busy["code"], busy["field"]) == ("adapter_busy", "name")
    listed = {a["name"]: a for a in session.call("adapters_list_request", {})["adapters"]}
    assert listed["long"]["state"] == "training"
    assert session.call("cancel_request", {"job_id": job_id})["state"] == "cancelled"
    _, reply = session.events(job_id, timeout=120)  # a checkpoint is written first; 100000 steps would take hours
    assert reply["content"]["code"] == "cancelled"
    adapter = {a["name"]: a for a in session.call("adapters_list_request", {})["adapters"]}["long"]
    assert adapter["state"] == "partial" and 1 <= adapter["steps"] < 100000

    resumed = dict(settings, steps=adapter["steps"] + 2, resume=True)
    job_id = session.start(resumed)
    events, reply = session.events(job_id)
    assert reply["content"]["status"] == "ok", reply["content"]
    first = next(e["content"] for e in events if e["msg_type"] == "progress")
    assert first["step"] == adapter["steps"] + 1  # it continued, it did not start over
    assert fingerprint(library) == before


def test_a_library_that_disappears_mid_training_is_reported_and_kept(session, library, tmp_path):
    job_id = session.start({"folder": str(library), "name": "vanishing", "steps": 100000, "checkpoint_every": 1, "batch_size": 1})
    session.events(job_id, until="progress")
    moved = tmp_path / "moved-away"
    library.rename(moved)  # the folder disappears; nothing inside it is changed
    _, reply = session.events(job_id)
    assert (reply["content"]["code"], reply["content"]["field"]) == ("library_changed", "folder")
    adapter = {a["name"]: a for a in session.call("adapters_list_request", {})["adapters"]}["vanishing"]
    assert adapter["state"] == "partial" and adapter["steps"] >= 1


@pytest.mark.parametrize("fields, code, field", [
    ({"name": "x"}, "invalid_argument", "folder"),
    ({"folder": "/", "name": "x"}, "path_not_allowed", "folder"),
    ({"folder": "{root}/missing", "name": "x"}, "file_not_found", "folder"),
    ({"folder": "{library}", "name": "bad name!"}, "invalid_argument", "name"),
    ({"folder": "{library}", "name": "x", "steps": 0}, "out_of_range", "steps"),
    ({"folder": "{library}", "name": "x", "rank": 1.5}, "invalid_argument", "rank"),
    ({"folder": "{library}", "name": "x", "learning_rate": 1.0}, "out_of_range", "learning_rate"),
    ({"folder": "{library}", "name": "x", "mix": "yes"}, "invalid_argument", "mix"),
    ({"folder": "{library}", "name": "x", "validation_prompts": ["ok", ""]}, "invalid_argument", "validation_prompts"),
    ({"folder": "{library}", "name": "x", "epochs": 3}, "invalid_argument", "epochs"),
    ({"folder": "{library}", "name": "never-trained", "resume": True}, "adapter_not_found", "name"),
    ({"folder": "{library}", "name": "x", "model": "no-such-model"}, "model_not_found", "model"),
])
def test_bad_finetune_requests_are_refused_naming_the_field(session, library, engine, fields, code, field):
    fields = {k: v.format(root=engine.libraries, library=library) if isinstance(v, str) else v for k, v in fields.items()}
    reply = session.call("finetune_request", fields)
    assert (reply["status"], reply["code"], reply["field"]) == ("error", code, field), reply
    assert session.call("ping_request", {})["status"] == "ok"


@pytest.mark.parametrize("make", [
    lambda folder: None,  # empty folder
    lambda folder: (folder / "notes.txt").write_text("no audio here"),
    lambda folder: (folder / "a.wav").write_bytes(b"garbage") or (folder / "b.flac").write_bytes(b"more garbage"),
], ids=["empty", "no-audio", "unreadable"])
def test_a_library_without_usable_audio_fails_the_job_with_a_report(session, engine, make, request):
    folder = engine.libraries / f"empty-{request.node.callspec.id}"
    folder.mkdir()
    make(folder)
    before = fingerprint(folder)
    job_id = session.start({"folder": str(folder), "name": f"empty-{request.node.callspec.id}"[:60], "steps": 2})
    _, reply = session.events(job_id)
    assert (reply["content"]["code"], reply["content"]["field"]) == ("empty_library", "folder")
    assert fingerprint(folder) == before
    assert session.call("library_preview_request", {"folder": str(folder)})["clips"] == []
    assert session.call("ping_request", {})["status"] == "ok"


def test_removing_an_unknown_adapter_or_previewing_outside_the_roots_is_refused(session):
    reply = session.call("adapters_remove_request", {"name": "ghost"})
    assert (reply["code"], reply["field"]) == ("adapter_not_found", "name")
    reply = session.call("library_preview_request", {"folder": "/etc"})
    assert (reply["code"], reply["field"]) == ("path_not_allowed", "folder")
