"""The SDK against the real daemon (`python -m soundloom.daemon serve`) on a tiny random-weight model."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from fake_engine import MODELS, FakeEngine

from soundloom.protocol.errors import ErrorCode
from soundloom.sdk import Client, EngineDiedError, JobCancelledError, SoundloomError


@pytest.fixture
def launched(tiny_model_path, tmp_path, monkeypatch):
    """A Client that launched a real engine serving the tiny model; closed (and the engine shut down) after."""
    monkeypatch.setenv("SOUNDLOOM_RUNTIME_DIR", str(tmp_path / "run"))
    client = Client.connect(timeout=120, engine_args=["--model", str(tiny_model_path), "--data-dir", str(tmp_path / "data")])
    yield client
    client.close()


def test_operations_progress_cancel_and_shutdown(launched, tmp_path):
    assert launched.started_engine
    info, models = launched.info(), launched.models.list()
    assert info["default_model"] == models[0]["name"]
    # The fake engine (tests/sdk/fake_engine.py) must keep speaking what the real one speaks.
    fake_info = FakeEngine(tmp_path / "unused.json")._on_info(None, None)
    assert fake_info["protocol_version"] == info["protocol_version"]
    assert set(fake_info) <= set(info)
    assert set(models[0]) == set(MODELS["fake-model"]) | {"name", "loaded"}
    events = []
    clips = launched.generate("rain", seconds=1.0, steps=3, seed=5, variations=2, on_progress=lambda *e: events.append(e))
    assert [c.metadata["seed"] for c in clips] == [5, 6]
    assert clips[0].samples.shape == (1, round(clips[0].sample_rate * 1.0))
    assert events and events[-1][:2] == (3, 3)

    source = clips[0]
    cut = round(0.2 * source.sample_rate)
    patched = launched.inpaint(source, "a dog bark", [(0.2, 0.5)], steps=2, seed=1)
    np.testing.assert_array_equal(patched.samples[:, :cut], source.samples[:, :cut])  # bit-identical outside
    longer = launched.extend((source.samples, source.sample_rate), "more rain", 1.0, steps=2)
    np.testing.assert_array_equal(longer.samples[:, : source.samples.shape[1]], source.samples)

    job = launched.submit_generate("a very long drone", seconds=1, steps=1000)
    next(iter(job.progress))
    assert job.cancel() == "cancelled"
    with pytest.raises(JobCancelledError):
        job.result(timeout=120)

    again = launched.submit_generate("tick", seconds=0.5, steps=2, seed=3)
    assert launched.resend_pending() == 1  # the engine answers the repeat from the same job
    assert again.result(timeout=120).metadata["seed"] == 3

    process = launched._async._engine.process
    launched.close()
    assert process.returncode == 0
    assert not (tmp_path / "run" / "engine.json").exists()


def test_a_killed_engine_fails_the_pending_result(launched):
    job = launched.submit_generate("a very long drone", seconds=1, steps=1000)
    next(iter(job.progress))
    os.kill(launched.info()["pid"], signal.SIGKILL)
    killed = time.monotonic()
    with pytest.raises(EngineDiedError):  # a TimeoutError instead would mean nobody noticed
        job.result(timeout=120)
    assert time.monotonic() - killed < 60


@pytest.fixture
def connected(daemon):
    """A Client of the module's real engine (tests/conftest.py), which it did not start."""
    with Client.connect(daemon.connection_file, start=False, timeout=120) as client:
        yield client


def test_models_are_loaded_and_unloaded(connected):
    name = connected.info()["default_model"]
    connected.models.load(name)
    assert connected.models.unload(name) is True
    assert connected.models.unload(name) is False  # not loaded any more
    assert [m["loaded"] for m in connected.models.list() if m["name"] == name] == [False]
    assert connected.info()["models_loaded"] == []
    assert connected.models.load(name) > 0  # seconds it took
    assert connected.models.load(name) == 0.0  # already loaded
    assert [m["loaded"] for m in connected.models.list() if m["name"] == name] == [True]
    assert connected.info()["models_loaded"] == [name]
    for call in (connected.models.load, connected.models.unload):
        with pytest.raises(SoundloomError) as caught:
            call("no-such-model")
        assert (caught.value.code, caught.value.field) == (ErrorCode.MODEL_NOT_FOUND, "model")
        assert "tiny-audioldm" in caught.value.message  # it names the models there are


CLIP = (np.zeros((1, 16000), np.float32), 16000)
BAD_CALLS = {  # what a caller gets wrong → the call
    "steps": lambda c: c.generate("rain", steps=5000),
    "seconds": lambda c: c.generate("rain", seconds=0.1),
    "guidance": lambda c: c.generate("rain", guidance=-1.0),
    "variations": lambda c: c.generate("rain", variations=17),
    "scheduler": lambda c: c.generate("rain", scheduler="bogus"),
    "model": lambda c: c.generate("rain", model="no-such-model"),
    "prompt": lambda c: c.transfer(CLIP, "   ", 0.5),
    "strength": lambda c: c.transfer(CLIP, "glass", 1.5),
    "region outside the clip": lambda c: c.inpaint(CLIP, "a bark", [(0.5, 2.0)]),
    "overlapping regions": lambda c: c.inpaint(CLIP, "a bark", [(0.1, 0.5), (0.4, 0.6)]),
    "extension too long": lambda c: c.extend(CLIP, "more", 60.0),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_the_engine_refuses_bad_requests_naming_the_field_and_the_fake_engine_agrees(call, connected, client):
    # The SDK's other tests run against tests/sdk/fake_engine.py; this is what keeps its answers
    # to bad requests the real engine's.
    with pytest.raises(SoundloomError) as real:
        call(connected)
    with pytest.raises(SoundloomError) as fake:
        call(client)
    error = real.value
    assert error.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.OUT_OF_RANGE, ErrorCode.MODEL_NOT_FOUND)
    assert error.field and error.field in str(error) and error.message and "Traceback" not in error.message
    if error.code is not ErrorCode.MODEL_NOT_FOUND:  # the two engines know different models
        assert (fake.value.code, fake.value.field, fake.value.message) == (error.code, error.field, error.message)
    assert connected.ping() > 0  # the engine keeps serving


def test_an_out_of_range_number_names_the_allowed_range(connected):
    with pytest.raises(SoundloomError) as caught:
        connected.generate("rain", steps=5000)
    assert (caught.value.code, caught.value.field) == (ErrorCode.OUT_OF_RANGE, "steps")
    assert "5000" in caught.value.message and "1 to 1000" in caught.value.message
    with pytest.raises(SoundloomError) as caught:
        connected.generate("rain", scheduler="bogus")
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_ARGUMENT, "scheduler")
    assert all(name in caught.value.message for name in ("ddim", "dpmpp", "euler"))
