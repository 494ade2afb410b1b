"""Fine-tuning from the SDK: requests, progress with loss, validation renders, adapters, variants.

The first tests run against a stand-in engine on real sockets (tests/sdk/fake_engine.py, extended
here with the fine-tuning messages); the rest against the real daemon on a tiny random-weight model.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fake_engine import FakeEngine, sine

from soundloom.protocol.codec import attach_audio
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk import AsyncClient, Client, JobCancelledError, Validation

RATE = 16000


class FinetuneFake(FakeEngine):
    """The stand-in engine, answering the fine-tuning messages with fixed replies.

    A finetune publishes progress with a loss, one validation render per prompt, and then replies.
    """

    PREVIEW = {"root": "/lib", "clips": [{"path": "a.wav", "caption": "a", "caption_source": "names", "seconds": 1.0,
                                          "sample_rate": RATE, "channels": 1}],
               "skipped": [{"path": "b.wav", "reason": "silent"}], "total_seconds": 1.0}
    ADAPTER = {"name": "rain", "base": "fake-model", "model": "fake-model+rain", "state": "ready", "steps": 2,
               "rank": 8, "clips": 1, "created": "2025-01-01T00:00:00Z", "path": "/data/adapters/rain"}

    def _on_library_preview(self, sock, msg):
        return dict(self.PREVIEW, root=msg["content"]["folder"])

    def _on_adapters_list(self, sock, msg):
        return {"adapters": [self.ADAPTER]}

    def _on_adapters_remove(self, sock, msg):
        if msg["content"].get("name") != "rain":
            raise SoundloomError(ErrorCode.ADAPTER_NOT_FOUND, "no adapter named that", "name")
        return {"name": "rain", "removed": True}

    def _on_finetune(self, sock, msg):
        content = msg["content"]
        total = content.get("steps", 2)
        for step in range(1, total + 1):
            self.session.publish(self.iopub, "progress", {"job_id": msg["msg_id"], "step": step, "total": total,
                                                          "eta_s": None, "loss": 1.0 / step}, parent=msg)
        for index, prompt in enumerate(content.get("validation_prompts", [])):
            event = self.session.msg("validation", {"job_id": msg["msg_id"], "step": total, "prompt": prompt},
                                     parent=msg)
            event["content"]["audio"] = attach_audio(event, sine(0.25, 220 * (index + 1)), RATE)
            self.session.send(self.iopub, event, identities=["validation"])
        time.sleep(0.2)  # iopub and shell are not ordered: let the events land before the reply
        return {"job_id": msg["msg_id"], "adapter": content["name"], "model": f"fake-model+{content['name']}",
                "steps": total, "loss": 1.0 / total, "elapsed_s": 0.5}


@pytest.fixture
def fake(tmp_path):
    engine = FinetuneFake(tmp_path / "engine.json").start()
    yield engine
    engine.stop()


@pytest.fixture
def fake_client(fake):
    with Client.connect(fake.connection_file, start=False, timeout=5) as connected:
        yield connected


def _sent(engine: FakeEngine, msg_type: str) -> dict:
    return engine.requests_of(msg_type)[-1]["content"]


# ---------------------------------------------------------------------- against the stand-in engine


def test_finetune_sends_only_the_options_given_with_an_absolute_folder(fake, fake_client, tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    monkeypatch.chdir(tmp_path)
    fake_client.finetune("lib", name="rain").result(timeout=10)
    assert _sent(fake, "finetune_request") == {"folder": str((tmp_path / "lib").resolve()), "name": "rain"}

    monkeypatch.setenv("HOME", str(tmp_path))
    options = dict(model="fake-model", steps=3, rank=4, learning_rate=1e-3, batch_size=2, seed=7, mix=True,
                   convolutions=False, validation_prompts=["rain"], validate_every=1, checkpoint_every=2)
    fake_client.finetune("~/lib/../lib", name="rain", resume=True, **options).result(timeout=10)
    assert _sent(fake, "finetune_request") == dict(options, folder=str((tmp_path / "lib").resolve()), name="rain",
                                                    resume=True)

    fake_client.finetune(tmp_path / "lib", name="quiet", validation_prompts=[]).result(timeout=10)
    assert _sent(fake, "finetune_request")["validation_prompts"] == []  # "render none" is not left out
    fake_client.finetune(tmp_path / "lib", name="one", validation_prompts="thunder").result(timeout=10)
    assert _sent(fake, "finetune_request")["validation_prompts"] == ["thunder"]


def test_a_finetune_job_reports_loss_validations_and_a_dict_result(fake_client, tmp_path):
    progress, renders = [], []
    job = fake_client.finetune(tmp_path, name="rain", steps=3, validation_prompts=["rain", "wind"],
                               on_progress=lambda *event: progress.append(event),
                               on_validation=lambda *render: renders.append(render))
    assert job.action == "finetune"
    result = job.result(timeout=10)
    assert result == {"job_id": job.job_id, "adapter": "rain", "model": "fake-model+rain", "steps": 3,
                      "loss": pytest.approx(1 / 3), "elapsed_s": 0.5}
    assert job.status == "done"
    assert [event[:2] for event in progress] == [(1, 3), (2, 3), (3, 3)]
    assert job.last_progress[:2] == (3, 3) and job.loss == pytest.approx(1 / 3)
    assert [(v.step, v.prompt) for v in job.validations] == [(3, "rain"), (3, "wind")]
    assert all(isinstance(v, Validation) for v in job.validations)
    np.testing.assert_array_equal(job.validations[1].audio.samples, sine(0.25, 440))
    assert job.validations[1].audio.sample_rate == RATE
    assert job.validations[1].audio.metadata["prompt"] == "wind"
    assert [(step, prompt) for step, prompt, _ in renders] == [(3, "rain"), (3, "wind")]


def test_the_async_finetune_iterates_progress_and_keeps_the_loss(fake):
    async def main():
        async with AsyncClient.connect(fake.connection_file, start=False, timeout=5) as client:
            job = await client.finetune(fake.connection_file.parent, name="rain", steps=4)
            losses = [job.loss async for _ in job.progress]
            assert losses and losses[-1] == pytest.approx(0.25)
            assert (await job.result(timeout=10))["model"] == "fake-model+rain"

    asyncio.run(main())


def test_library_preview_and_adapters(fake, fake_client, tmp_path):
    preview = fake_client.library_preview(tmp_path)
    assert preview["root"] == str(tmp_path.resolve()) and "status" not in preview
    assert preview["skipped"] == [{"path": "b.wav", "reason": "silent"}]
    assert fake_client.adapters.list() == [FinetuneFake.ADAPTER]
    assert fake_client.adapters.remove("rain") is True
    with pytest.raises(SoundloomError) as caught:
        fake_client.adapters.remove("snow")
    assert caught.value.code is ErrorCode.ADAPTER_NOT_FOUND and caught.value.field == "name"
    assert _sent(fake, "adapters_remove_request") == {"name": "snow"}


@pytest.mark.parametrize("operation", ["generate", "inpaint", "transfer", "extend"])
def test_adapter_scale_is_sent_only_when_given(engine, client, operation):
    clip = (sine(1.0, 330), RATE)
    args = {"generate": ("rain",), "inpaint": (clip, "rain", [(0.1, 0.2)]), "transfer": (clip, "rain"),
            "extend": (clip, "rain")}[operation]
    getattr(client, operation)(*args, steps=2)
    assert "adapter_scale" not in _sent(engine, f"{operation}_request")
    getattr(client, f"submit_{operation}")(*args, steps=2, adapter_scale=0.5).result(timeout=60)
    assert _sent(engine, f"{operation}_request")["adapter_scale"] == 0.5


# ---------------------------------------------------------------------- against the real engine


def write_library(folder: Path) -> Path:
    """A small sample library: three usable clips (one with a sidecar caption), one corrupt, one silent."""
    rng = np.random.default_rng(0)
    (folder / "Rain").mkdir(parents=True)
    sf.write(folder / "Rain" / "rain_soft_01.wav", 0.3 * rng.standard_normal(12800), RATE)
    sf.write(folder / "Rain" / "rain_heavy_02.wav", 0.5 * rng.standard_normal((16000, 2)), RATE)
    t = np.arange(RATE) / RATE
    sf.write(folder / "bell.wav", 0.4 * np.sin(2 * np.pi * 880 * t) * np.exp(-3 * t), RATE)
    (folder / "bell.txt").write_text("a small brass bell\n")
    (folder / "broken.wav").write_bytes(b"RIFF but not really audio")
    sf.write(folder / "silence.wav", np.zeros(RATE), RATE)
    return folder


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """(library root the engine allows, a library inside it, a folder outside it)."""
    root = tmp_path_factory.mktemp("libraries")
    outside = tmp_path_factory.mktemp("elsewhere")
    write_library(outside / "lib")
    return root, write_library(root / "samples"), outside / "lib"


@pytest.fixture(scope="module")
def real(tiny_model_path, roots, tmp_path_factory):
    """A Client that launched a real engine on the tiny model, with `roots[0]` as its library root."""
    home = tmp_path_factory.mktemp("engine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOUNDLOOM_RUNTIME_DIR", str(home / "run"))
        client = Client.connect(home / "run" / "engine.json", timeout=120, engine_args=[
            "--model", str(tiny_model_path), "--data-dir", str(home / "data"),
            "--allow-remote", "--library-root", str(roots[0])])  # roots bind only an engine others can reach
        yield client
        client.close()


def test_library_preview_lists_clips_and_says_why_files_were_skipped(real, roots):
    library = roots[1]
    preview = real.library_preview(library)
    assert preview["root"] == str(library.resolve())
    clips = {clip["path"]: clip for clip in preview["clips"]}
    assert set(clips) == {"Rain/rain_soft_01.wav", "Rain/rain_heavy_02.wav", "bell.wav"}
    assert clips["bell.wav"]["caption"] == "a small brass bell" and clips["bell.wav"]["caption_source"] == "sidecar"
    assert clips["Rain/rain_soft_01.wav"]["caption_source"] == "names" and "rain" in clips["Rain/rain_soft_01.wav"]["caption"]
    assert clips["Rain/rain_heavy_02.wav"]["channels"] == 2 and clips["Rain/rain_soft_01.wav"]["seconds"] == pytest.approx(0.8)
    assert preview["total_seconds"] == pytest.approx(2.8)
    reasons = {item["path"]: item["reason"] for item in preview["skipped"]}
    assert set(reasons) == {"broken.wav", "silence.wav"}
    assert "unreadable" in reasons["broken.wav"] and "silent" in reasons["silence.wav"]


# The CLI test trains and generates with a variant by the same calls; this one adds the listing.
@pytest.mark.slow
def test_finetune_lists_the_adapter_and_its_variant_generates(real, roots):
    base = real.info()["default_model"]
    progress = []
    job = real.finetune(roots[1], name="rainy", steps=4, batch_size=2, learning_rate=1e-2, seed=1,
                        validation_prompts=["rain"], validate_every=4, checkpoint_every=2,
                        on_progress=lambda *event: progress.append(event))
    result = job.result(timeout=300)
    assert result["adapter"] == "rainy" and result["model"] == f"{base}+rainy" and result["steps"] == 4
    assert math.isfinite(result["loss"]) and result["elapsed_s"] > 0
    assert progress and progress[-1][:2] == (4, 4)
    assert job.loss is not None and math.isfinite(job.loss)  # progress events carried the loss
    assert [v.step for v in job.validations] == [4]
    assert all(v.prompt == "rain" and np.isfinite(v.audio.samples).all() for v in job.validations)

    adapter = next(a for a in real.adapters.list() if a["name"] == "rainy")
    assert (adapter["base"], adapter["model"], adapter["state"], adapter["steps"]) == (base, result["model"], "ready", 4)
    assert adapter["clips"] == 3
    assert any(m["name"] == result["model"] and m["base"] == base for m in real.models.list())

    common = dict(seconds=0.5, steps=2, seed=3)
    plain = real.generate("rain", model=base, **common)
    off = real.generate("rain", model=result["model"], adapter_scale=0.0, **common)
    on = real.generate("rain", model=result["model"], adapter_scale=2.0, **common)
    assert on.metadata["model"] == result["model"]
    np.testing.assert_array_equal(off.samples, plain.samples)  # scale 0 is exactly the base model
    assert not np.array_equal(on.samples, plain.samples)

    with pytest.raises(SoundloomError) as caught:
        real.finetune(roots[1], name="rainy", steps=2).result(timeout=60)
    assert caught.value.code is ErrorCode.ADAPTER_EXISTS

    assert real.adapters.remove("rainy") is True
    assert all(a["name"] != "rainy" for a in real.adapters.list())
    with pytest.raises(SoundloomError) as caught:
        real.adapters.remove("rainy")
    assert caught.value.code is ErrorCode.ADAPTER_NOT_FOUND
    with pytest.raises(SoundloomError) as caught:
        real.generate("rain", model=result["model"], **common)
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


# The daemon's own test cancels and resumes through the same requests; this one adds the SDK's job calls.
@pytest.mark.slow
def test_a_cancelled_finetune_keeps_a_checkpoint_and_resumes(real, roots):
    job = real.finetune(roots[1], name="long", steps=100_000, batch_size=1, validation_prompts=[])
    next(iter(job.progress))
    assert job.cancel() == "cancelled"
    with pytest.raises(JobCancelledError):
        job.result(timeout=120)
    partial = next(a for a in real.adapters.list() if a["name"] == "long")
    assert partial["state"] == "partial" and partial["steps"] >= 1

    target = partial["steps"] + 2
    resumed = real.finetune(roots[1], name="long", steps=target, batch_size=1, validation_prompts=[], resume=True)
    assert resumed.result(timeout=300)["steps"] == target
    assert resumed.validations == []  # an explicit empty list renders nothing (the default is for omitting it)
    assert next(a for a in real.adapters.list() if a["name"] == "long")["state"] == "ready"
    real.adapters.remove("long")


@pytest.mark.parametrize("name", ["-leading-dash", "has space", "x" * 65, ""])
def test_a_bad_adapter_name_is_invalid_argument_naming_name(real, roots, name):
    with pytest.raises(SoundloomError) as caught:
        real.finetune(roots[1], name=name, steps=1).result(timeout=60)
    assert caught.value.code is ErrorCode.INVALID_ARGUMENT and caught.value.field == "name"


def test_a_folder_outside_the_library_roots_is_not_allowed(real, roots):
    outside = roots[2]
    with pytest.raises(SoundloomError) as caught:
        real.library_preview(outside)
    assert caught.value.code is ErrorCode.PATH_NOT_ALLOWED
    with pytest.raises(SoundloomError) as caught:
        real.finetune(outside, name="outside", steps=1).result(timeout=60)
    assert caught.value.code is ErrorCode.PATH_NOT_ALLOWED and caught.value.field == "folder"
    assert all(a["name"] != "outside" for a in real.adapters.list())
