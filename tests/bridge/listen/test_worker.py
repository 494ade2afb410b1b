"""The listener's worker against a real engine (the tiny model, 2 steps): what "the last take"
means after takes and after generated clips, the adapter scale a controller sets, and stopping
with actions still queued."""

from __future__ import annotations

import threading
from pathlib import Path
import time

import numpy as np
import pytest

from clips import native, write_clip  # tests/bridge/clips.py

from soundloom.bridge.listen_actions import Again, Generate, NextVariation, Regen
from soundloom.bridge.listen_worker import ActionWorker, Outcome
from soundloom.sdk import Client
from soundloom.sdk.audio_file import read_metadata

FAST = {"steps": 2, "guidance": 1.0}


class Replies:
    """Collects outcomes as the worker reports them."""

    def __init__(self):
        self.outcomes: list[Outcome] = []
        self._changed = threading.Condition()

    def __call__(self, outcome: Outcome) -> None:
        with self._changed:
            self.outcomes.append(outcome)
            self._changed.notify_all()

    def wait(self, count: int, timeout: float = 120) -> list[Outcome]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.outcomes) >= count, timeout), self.outcomes
            return list(self.outcomes)

    def run(self, worker: ActionWorker, action) -> Outcome:
        worker.submit(action, self)
        return self.wait(len(self.outcomes) + 1)[-1]


@pytest.fixture
def worker(bridge_engine, tmp_path):
    running = ActionWorker(lambda: Client.connect(bridge_engine.connection_file, start=False),
                           output_dir=tmp_path / "generated", **FAST)
    running.start()
    yield running
    running.close()


def test_again_and_next_variation_follow_the_last_generated_clip(worker):
    replies = Replies()
    first = replies.run(worker, Generate("a hum", 0.5, seed=41))
    assert first.error is None, first.error
    again = replies.run(worker, Again())
    following = replies.run(worker, NextVariation())
    assert again.error is None and following.error is None, (again.error, following.error)
    paths = [first.paths[0], again.paths[0], following.paths[0]]
    assert len(set(paths)) == 3 and all(p.parent == worker.output_dir for p in paths)
    assert [read_metadata(p)["seed"] for p in paths] == [41, 41, 42]
    assert paths[0].name.startswith("a-hum_41") and paths[2].name == "a-hum_42.wav"
    assert np.array_equal(native(paths[0]), native(paths[1]))  # the same seed gives the same sound


def test_before_any_take_again_says_what_is_missing(worker):
    outcome = Replies().run(worker, Again())
    assert outcome.paths == [] and "nothing to follow yet" in outcome.error


@pytest.mark.filterwarnings("ignore:adapter_scale is ignored")  # the tiny model has no adapter; the scale is still sent
def test_the_adapter_scale_from_a_controller_applies_to_again(worker, tmp_path):
    replies = Replies()
    source = write_clip(tmp_path / "line.wav", 0.8, 48000, 2, "PCM_24")
    take = replies.run(worker, Regen(source, 0.2, 0.5, "a cough"))
    assert take.error is None, take.error
    rescaled = replies.run(worker, Again(None, adapter_scale=0.5))
    assert rescaled.error is None, rescaled.error
    first, second = read_metadata(take.paths[0]), read_metadata(rescaled.paths[0])
    assert second["seed"] == first["seed"] and second["adapter_scale"] == 0.5
    assert first.get("adapter_scale", 1.0) == 1.0
    assert rescaled.paths[0].name == "line.take-2.wav"


def test_a_pad_on_the_shipped_mapping_makes_the_next_variation_of_a_24_bit_stereo_take(worker, tmp_path):
    """The MIDI route end to end (the handler fed mido messages, as a port's thread feeds it): a take
    made from the DAW, then pad 37 of examples/midi-mapping.toml; the new take keeps the source's
    rate, channels, sample format and length and every sample outside the region."""
    import mido
    import soundfile as sf

    from soundloom.bridge.midi_handler import MidiHandler
    from soundloom.bridge.midi_mapping import load_mapping

    replies = Replies()
    source = write_clip(tmp_path / "vox.wav", 0.8, 48000, 2, "PCM_24")
    first = replies.run(worker, Regen(source, 0.2, 0.5, "a breath"))
    assert first.error is None, first.error
    handler = MidiHandler(load_mapping(Path(__file__).resolve().parents[3] / "examples" / "midi-mapping.toml"))
    action = handler.handle(mido.Message("note_on", note=37, velocity=90))
    assert action == NextVariation()
    second = replies.run(worker, action)
    assert second.error is None, second.error
    [take] = second.paths
    assert take == source.with_name("vox.take-2.wav")
    assert read_metadata(take)["seed"] == read_metadata(first.paths[0])["seed"] + 1
    a, b = sf.info(str(source)), sf.info(str(take))
    assert (b.samplerate, b.channels, b.subtype, b.frames) == (a.samplerate, a.channels, a.subtype, a.frames)
    original, made = native(source), native(take)
    start, stop = round(0.2 * 48000), round(0.5 * 48000)
    assert np.array_equal(made[:start], original[:start]) and np.array_equal(made[stop:], original[stop:])
    assert not np.array_equal(made[start:stop], original[start:stop])


def test_stopping_answers_every_queued_action(bridge_engine, tmp_path):
    # The worker connects on its own thread; this connection waits until the test lets it go, so
    # the actions below are still queued when the worker is closed.
    release = threading.Event()

    def slow_connect():
        release.wait(60)
        return Client.connect(bridge_engine.connection_file, start=False)

    worker = ActionWorker(slow_connect, output_dir=tmp_path, **FAST)
    worker.start()
    replies = Replies()
    worker.submit(Generate("one", 0.5), replies)
    worker.submit(Generate("two", 0.5), replies)
    closing = threading.Thread(target=worker.close)
    closing.start()
    deadline = time.monotonic() + 60
    while not worker.stopping:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    closing.join(60)
    assert not closing.is_alive()
    outcomes = replies.wait(2)
    assert sorted(o.action.prompt for o in outcomes) == ["one", "two"]
    assert all(o.error and "stopped" in o.error for o in outcomes)
    assert list(tmp_path.iterdir()) == []
    late = Replies()
    worker.submit(Generate("three", 0.5), late)  # after close: refused at once
    assert "stopping" in late.wait(1)[0].error


@pytest.mark.slow  # starts an engine of its own twice
def test_after_the_engine_died_the_next_action_reconnects(make_daemon, tmp_path):
    engine = make_daemon()
    engine.start()
    worker = ActionWorker(lambda: Client.connect(engine.connection_file, start=False, timeout=120),
                          output_dir=tmp_path / "generated", **FAST)
    worker.start()
    replies = Replies()
    try:
        assert replies.run(worker, Generate("before", 0.5)).error is None
        engine.kill()
        failed = replies.run(worker, Generate("while gone", 0.5))
        assert failed.error and failed.paths == []
        engine.start()
        after = replies.run(worker, Generate("after", 0.5))
        assert after.error is None, after.error
        assert after.paths[0].exists()
    finally:
        worker.close()
