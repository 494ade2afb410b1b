"""The listener over OSC on a real UDP socket, against a real engine (the tiny model, 2 steps):
regenerate a region of a 24-bit stereo 48 kHz clip and get the take's path back; bad commands are
answered with one-line errors and the listener keeps serving."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from clips import native, write_clip  # tests/bridge/clips.py

from soundloom.bridge.listen import Listener
from soundloom.sdk import Client

FAST = {"steps": 2, "guidance": 1.0}  # the quickest settings the tiny model runs with
RATE = 48000
REGION = (0.30, 0.60)  # seconds


def _clip(path, seconds=1.0):
    """A 24-bit stereo 48 kHz clip."""
    return write_clip(path, seconds, RATE, 2, "PCM_24")


@pytest.fixture(scope="module")
def listener(bridge_engine, tmp_path_factory):
    """A listener on a free UDP port of 127.0.0.1, talking to the module's engine (never starting one)."""
    lines: list[str] = []
    running = Listener(
        osc_port=0, output_dir=tmp_path_factory.mktemp("generated"), **FAST,
        connect=lambda: Client.connect(bridge_engine.connection_file, start=False), report=lines.append,
    )
    running.lines = lines
    running.start()
    yield running
    running.close()


@pytest.fixture
def peer(listener, osc_peer):
    return osc_peer(listener.osc.address)


def test_regen_over_osc_writes_a_take_that_matches_its_source_outside_the_region(listener, peer, tmp_path):
    source = _clip(tmp_path / "dialogue.wav")
    before = source.read_bytes()
    address, args = peer.ask("/soundloom/regen", str(source), REGION[0], REGION[1], "a door creak")
    assert address == "/soundloom/done", args
    take = tmp_path / args[0]
    assert take.is_absolute() and take.parent == tmp_path and take != source
    assert source.read_bytes() == before  # the source is never written

    a, b = sf.info(str(source)), sf.info(str(take))
    assert (b.samplerate, b.channels, b.subtype, b.frames, b.format) == (a.samplerate, a.channels, a.subtype,
                                                                         a.frames, a.format)
    original, result = native(source), native(take)
    first, stop = round(REGION[0] * RATE), round(REGION[1] * RATE)
    assert np.array_equal(result[:first], original[:first])
    assert np.array_equal(result[stop:], original[stop:])
    assert not np.array_equal(result[first:stop], original[first:stop])  # the region was regenerated
    assert peer.progress and all(0.0 <= p <= 1.0 for p in peer.progress)
    assert any(line.startswith("done: ") and str(take) in line for line in listener.lines)


def test_commands_sent_back_to_back_are_queued_not_dropped(listener, peer, tmp_path):
    source = _clip(tmp_path / "fx.wav", seconds=0.8)
    # The variation is sent while the regen runs: it waits its turn, then follows the take just made.
    peer.send("/soundloom/regen", str(source), 0.1, 0.4, "a metal clang")
    peer.send("/soundloom/next_variation")
    peer.send("/soundloom/again", str(source))
    replies = [peer.receive() for _ in range(3)]
    assert [address for address, _ in replies] == ["/soundloom/done"] * 3, replies
    takes = [args[0] for _, args in replies]
    assert len(set(takes)) == 3
    from soundloom.sdk.audio_file import read_metadata

    seeds = [read_metadata(path)["seed"] for path in takes]
    assert seeds[1] == (seeds[0] + 1) % 2**32 and seeds[2] == seeds[1]  # next seed, then that one again
    second, third = native(takes[1]), native(takes[2])
    assert np.array_equal(second, third)  # the same prompt, region and seed give the same samples


def test_generate_over_osc_writes_a_clip_into_the_output_folder(listener, peer):
    address, args = peer.ask("/soundloom/generate", "a short whoosh", 0.6)
    assert address == "/soundloom/done", args
    info = sf.info(args[0])
    assert info.frames == round(0.6 * info.samplerate)
    assert str(listener.worker.output_dir) in args[0] and args[0].endswith(".wav")


BAD = [
    # (address, arguments, words the one-line error must contain)
    ("/soundloom/regen", [], ["arguments", "got 0, expected 4", "PATH START END PROMPT"]),
    ("/soundloom/regen", ["{clip}", 0.1, 0.5], ["got 3, expected 4"]),
    ("/soundloom/regen", ["{clip}", 0.5, 0.5, "x"], ["END", "0.5 is out of range", "0.51"]),
    ("/soundloom/regen", ["{clip}", 0.6, 0.2, "x"], ["END", "0.2 is out of range"]),
    ("/soundloom/regen", ["{clip}", 0.2, 5.0, "x"], ["END", "5 is out of range", "1.000 s"]),
    ("/soundloom/regen", ["{clip}", -0.2, 0.5, "x"], ["START", "-0.2 is out of range"]),
    ("/soundloom/regen", ["{missing}", 0.1, 0.5, "x"], ["PATH", "no file at"]),
    ("/soundloom/regen", ["relative.wav", 0.1, 0.5, "x"], ["PATH", "relative"]),
    ("/soundloom/regen", ["{text}", 0.1, 0.5, "x"], ["PATH", "not a readable audio file"]),
    ("/soundloom/regen", ["{clip}", "0.1", 0.5, "x"], ["START", "'0.1' is not a number"]),
    ("/soundloom/regen", ["{clip}", 0.1, 0.5, 7], ["PROMPT", "7 is not a text"]),
    ("/soundloom/regen", [3, 0.1, 0.5, "x"], ["PATH", "3 is not a file path"]),
    ("/soundloom/generate", ["rain"], ["got 1, expected 2 to 3"]),
    ("/soundloom/generate", ["rain", 120.0], ["SECONDS", "120 is out of range", "0.5 to 60"]),
    ("/soundloom/generate", ["rain", 2.0, 5], ["LOOP", "0, 1, true or false"]),
    ("/soundloom/next_variation", ["{missing}"], ["PATH", "no file at"]),
    ("/soundloom/next_variation", ["a", "b"], ["got 2, expected 0 to 1"]),
    ("/soundloom/explode", [1], ["unknown command", "/soundloom/regen"]),
]


@pytest.mark.parametrize("address,args,words", BAD, ids=[f"{i}{case[0]}" for i, case in enumerate(BAD)])
def test_a_bad_command_gets_a_one_line_error_and_the_listener_keeps_serving(listener, peer, tmp_path,
                                                                            address, args, words):
    files = {"{clip}": str(_clip(tmp_path / "clip.wav")), "{missing}": str(tmp_path / "gone.wav")}
    (tmp_path / "notes.wav").write_text("not audio")
    files["{text}"] = str(tmp_path / "notes.wav")
    args = [files.get(a, a) if isinstance(a, str) else a for a in args]
    reply, params = peer.ask(address, *args, timeout=30)
    assert reply == "/soundloom/error" and len(params) == 1, (reply, params)
    message = params[0]
    assert "\n" not in message and message.startswith(address)
    for word in words:
        assert word in message, (word, message)
    assert peer.ask("/soundloom/ping", timeout=30) == ("/soundloom/pong", [])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"clip.wav", "notes.wav"})  # nothing written


def test_a_failure_in_the_engine_is_an_error_reply_and_the_next_command_still_works(listener, peer, tmp_path):
    # next_variation of a file that has no take yet fails inside the worker, not at parsing
    source = _clip(tmp_path / "untouched.wav", seconds=0.6)
    address, args = peer.ask("/soundloom/next_variation", str(source))
    assert address == "/soundloom/error" and "no take of untouched.wav" in args[0], args
    address, args = peer.ask("/soundloom/regen", str(source), 0.1, 0.3, "a click")
    assert address == "/soundloom/done", args


def test_a_button_press_acts_and_its_release_is_ignored(listener, peer, tmp_path):
    # TouchOSC's buttons send 1.0 when pressed and 0.0 when released, to the address they are given.
    source = _clip(tmp_path / "hit.wav", seconds=0.6)
    assert peer.ask("/soundloom/regen", str(source), 0.1, 0.3, "a rimshot")[0] == "/soundloom/done"
    peer.send("/soundloom/next_variation", 1.0)
    peer.send("/soundloom/next_variation", 0.0)
    address, args = peer.receive()
    assert address == "/soundloom/done" and args[0].endswith("hit.take-2.wav"), args
    assert peer.ask("/soundloom/ping", timeout=30) == ("/soundloom/pong", [])  # the release got no reply


def test_other_applications_messages_are_ignored(listener, peer):
    peer.send("/1/fader1", 0.5)  # e.g. TouchOSC's own controls: not ours to answer
    assert peer.ask("/soundloom/ping", timeout=30) == ("/soundloom/pong", [])


def test_replies_can_go_to_a_fixed_port_of_the_sender(bridge_engine, osc_peer, tmp_path):
    # Max's udpsend sends from a random port and udpreceive listens on a fixed one.
    receiver = osc_peer(("127.0.0.1", 9))  # only receives
    reply_port = receiver.socket.getsockname()[1]
    fixed = Listener(osc_port=0, osc_reply_port=reply_port, output_dir=tmp_path, **FAST,
                     connect=lambda: Client.connect(bridge_engine.connection_file, start=False), report=print)
    fixed.start()
    try:
        sender = osc_peer(fixed.osc.address)
        sender.send("/soundloom/ping")
        assert receiver.receive(30) == ("/soundloom/pong", [])
        sender.send("/soundloom/generate", "rain")
        address, args = receiver.receive(30)
        assert address == "/soundloom/error" and "got 1, expected 2 to 3" in args[0]
        sender.socket.settimeout(0.5)
        with pytest.raises(TimeoutError):  # nothing went back to the port it was sent from
            sender.socket.recvfrom(65536)
    finally:
        fixed.close()
