"""The listener on a real MIDI port: a virtual input port it creates (or an existing port it finds
by name) receives notes, controllers and MIDI clock from another program's output port, and a
note makes a real clip through the engine (the tiny model, 2 steps).

This machine has no ALSA sequencer (/dev/snd/seq), so the ports are JACK MIDI ports on a JACK
server with its dummy (no sound card) backend, which the test starts. Where the ALSA sequencer
exists, the ports are ALSA ports instead. Where neither exists, the same messages are fed to the
listener's receiving function directly (no port), as the MIDI system's thread would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import mido
import pytest
import soundfile as sf

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.listen import Listener
from soundloom.bridge.midi_listener import APIS, open_midi_input
from soundloom.bridge.midi_mapping import load_mapping
from soundloom.sdk import Client

FAST = {"steps": 2, "guidance": 1.0}
MAPPING = """
bpm = 90

[[note]]
note = 38
action = "generate"
prompt = "a tight snare hit"
seconds = 0.5

[[note]]
note = 40
action = "generate"
prompt = "a short drum loop"
bars = 1

[[cc]]
cc = 1
action = "adapter_scale"
"""


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def midi_api(tmp_path_factory):
    """'alsa' where the ALSA sequencer exists; else 'jack' with a JACK server (dummy backend) started
    for these tests; else None (no MIDI port can exist here)."""
    if os.path.exists("/dev/snd/seq"):
        yield "alsa"
        return
    if shutil.which("jackd") is None:
        yield None
        return
    name = f"soundloom-test-{os.getpid()}"
    saved = {key: os.environ.get(key) for key in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    log = open(tmp_path_factory.mktemp("jack") / "jackd.log", "wb")
    server = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", "256"],
                              stdout=log, stderr=log)
    backend = mido.Backend("mido.backends.rtmidi", api=APIS["jack"])

    def ready() -> bool:
        assert server.poll() is None, f"jackd exited: {Path(log.name).read_text(errors='replace')[-1000:]}"
        try:
            backend.get_output_names()
            return True
        except Exception:  # the server is not accepting clients yet
            return False

    try:
        _wait(ready, "the JACK server starting")
        yield "jack"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _backend(api):
    return mido.Backend("mido.backends.rtmidi", api=APIS[api])


def _output_to(api, port_name: str):
    """An output port of another program, connected to the listener's input `port_name`."""
    backend = _backend(api)
    _wait(lambda: any(port_name in n for n in backend.get_output_names()), f"port {port_name} appearing")
    target = next(n for n in backend.get_output_names() if port_name in n)
    return backend.open_output(target)


@pytest.fixture
def pads(bridge_engine, midi_api, tmp_path):
    """A listener with a virtual MIDI input (or, with no MIDI system, none) and a `send` that reaches it."""
    mapping_file = tmp_path / "pads.toml"
    mapping_file.write_text(MAPPING)
    lines: list[str] = []
    name = f"pads-{os.getpid()}"
    listener = Listener(
        midi=name if midi_api else None, osc_port=None if midi_api else 0, midi_api=midi_api,
        mapping=load_mapping(mapping_file), output_dir=tmp_path / "generated", **FAST,
        connect=lambda: Client.connect(bridge_engine.connection_file, start=False), report=lines.append,
    )
    listener.lines = lines
    if midi_api:
        out = _output_to(midi_api, f"soundloom:{name}")
        listener.send = out.send
    else:
        # No MIDI port can exist on this machine: hand the messages to the listener as its port would.
        from soundloom.bridge.midi_handler import MidiHandler
        from soundloom.bridge.midi_listener import MidiListener

        listener.midi = MidiListener(MidiHandler(load_mapping(mapping_file)), listener.worker, lines.append)
        listener.midi_description = "messages handed over directly"
        listener.send = listener.midi.receive
        out = None
    listener.start()
    yield listener
    if out is not None:
        out.close()
    listener.close()


def _done(lines: list[str], count: int) -> list[str]:
    _wait(lambda: sum(line.startswith(("done: ", "error: ")) for line in lines) >= count, "the clip being made", 120)
    finished = [line for line in lines if line.startswith(("done: ", "error: "))]
    assert all(line.startswith("done: ") for line in finished), finished
    return [line.removeprefix("done: ") for line in finished]


@pytest.mark.filterwarnings("ignore:adapter_scale is ignored")  # the tiny model has no adapter; the scale is still sent
def test_notes_controllers_and_clock_through_a_real_port_make_clips(pads, midi_api):
    handler = pads.midi.handler
    if midi_api:
        assert any("virtual MIDI input soundloom:pads-" in line for line in pads.lines), pads.lines

    pads.send(mido.Message("control_change", control=1, value=127))
    _wait(lambda: handler.adapter_scale == 2.0, "the adapter scale being set")

    pads.send(mido.Message("note_on", note=38, velocity=100))
    (snare,) = _done(pads.lines, 1)
    info = sf.info(snare)
    assert info.frames == round(0.5 * info.samplerate)
    assert Path(snare).parent == pads.worker.output_dir

    # MIDI clock at 120 BPM, paced in real time, until the listener has measured it (a loaded
    # machine may delay some pulses; the measurement settles once they flow evenly again).
    stop = threading.Event()

    def clock() -> None:
        interval, start, pulse = 60.0 / (120 * 24), time.monotonic(), 0
        pads.send(mido.Message("start"))
        while not stop.is_set():
            time.sleep(max(0.0, start + pulse * interval - time.monotonic()))
            pads.send(mido.Message("clock"))
            pulse += 1

    sender = threading.Thread(target=clock)
    sender.start()
    try:
        _wait(lambda: handler.bpm is not None and abs(handler.bpm - 120.0) <= 1.0, "a tempo of 120 BPM being measured")
    finally:
        stop.set()
        sender.join()
    pads.send(mido.Message("stop"))
    _wait(lambda: not handler.clock.running, "the stop message arriving")
    bpm = handler.bpm
    assert abs(bpm - 120.0) <= 1.0  # kept after stop

    pads.send(mido.Message("note_on", note=40, velocity=100))  # one 4/4 bar at the clock's tempo
    loop = _done(pads.lines, 2)[1]
    info = sf.info(loop)
    assert info.frames == round(4 * 60.0 / bpm * info.samplerate)
    assert any("adapter scale 2.00" in line for line in pads.lines), pads.lines


def test_an_existing_port_is_found_by_part_of_its_name(midi_api):
    if midi_api is None:
        # No MIDI system here at all: opening any port is refused with a one-line reason.
        with pytest.raises(BridgeError, match="cannot reach the MIDI system"):
            open_midi_input("anything", print)
        return
    backend = _backend(midi_api)
    controller = backend.open_output(f"nanoPAD-{os.getpid()}", virtual=True, client_name="fake-controller")
    twin_a = backend.open_output(f"twin-a-{os.getpid()}", virtual=True, client_name="twins")
    twin_b = backend.open_output(f"twin-b-{os.getpid()}", virtual=True, client_name="twins")
    received: list[mido.Message] = []
    try:
        _wait(lambda: sum(f"-{os.getpid()}" in n for n in backend.get_input_names()) == 3, "the ports appearing")
        port, description = open_midi_input(f"NANOPAD-{os.getpid()}", received.append, api=midi_api)
        try:
            assert description == f"MIDI input 'fake-controller:nanoPAD-{os.getpid()}'"
            controller.send(mido.Message("note_on", note=61, velocity=5))
            _wait(lambda: received, "the note arriving")
            assert received[0].type == "note_on" and received[0].note == 61
        finally:
            port.close()
        with pytest.raises(BridgeError, match=r"matches 2 inputs .*give more of the name") as caught:
            open_midi_input("twin", received.append, api=midi_api)
        assert caught.value.field == "midi"
    finally:
        for out in (controller, twin_a, twin_b):
            out.close()


def test_a_machine_without_the_alsa_sequencer_says_so(midi_api):
    if os.path.exists("/dev/snd/seq"):  # this machine has one: the same call opens a virtual port
        port, description = open_midi_input(f"alsa-check-{os.getpid()}", print, api="alsa")
        port.close()
        assert description.startswith("virtual MIDI input")
        return
    with pytest.raises(BridgeError) as caught:
        open_midi_input("anything", print, api="alsa")
    assert caught.value.field == "midi" and "cannot reach the MIDI system" in str(caught.value)
    assert "\n" not in str(caught.value)
