"""Render MIDI clips with FluidSynth and the FluidR3 General MIDI soundfont.

Loading the 140 MB soundfont takes most of a `fluidsynth` call, so many clips are rendered in
one call: each clip gets its own time slot in one MIDI file (controllers reset and program set
before it, all sound cut after it, and a silent gap for the reverb to die out), and the slots
are cut out of the rendered file afterwards. The slot layout depends only on the clips, so a
batch renders to the same samples every time. The reverb and chorus units run across slots,
so a clip differs by a few thousandths of full scale (attack and tail) depending on what came
before it in its batch: callers keep batch composition fixed (see `build._batches`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from .audio import MAX_DURATION_S, SAMPLE_RATE, to_mono
from .errors import MissingDependency

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
GAIN = 1.0  # FluidSynth master gain: median clip peak near -15 dBFS, loud chords near full scale
# FluidSynth starts a note at the next 64-sample block boundary and its output lags the event by
# one block: with events on the 4 ms grid, sound starts exactly one block after the note-on.
LATENCY_S = 64 / SAMPLE_RATE
GAP_S = 1.5  # seconds of silence between slots, longer than the reverb tail after all-sound-off
DRUM_CHANNEL = 9
TICK_S = 0.001  # one MIDI tick is one millisecond (1000 ticks per beat at 60 bpm)


@dataclass(frozen=True)
class MidiClip:
    """One clip to render: notes `[start_s, duration_s, pitch, velocity]` for one program.

    `channel` is 0 for pitched programs and 9 for drum kits (where `program` picks the kit);
    `ring_s` is how many seconds to keep after the last note ends, for the release and decay."""

    program: int
    notes: list
    ring_s: float
    channel: int = 0


def check_available() -> None:
    """Raise `MissingDependency` naming the Debian package if FluidSynth or the soundfont is absent."""
    if shutil.which("fluidsynth") is None:
        raise MissingDependency("fluidsynth", "the fluidsynth program is not installed")
    if not SOUNDFONT.exists():
        raise MissingDependency("fluid-soundfont-gm", f"{SOUNDFONT} is missing")


def clip_length_s(clip: MidiClip) -> float:
    """Seconds from the first note-on to the end of the clip's slot (at most 10 s)."""
    end = max(n[0] + n[1] for n in clip.notes)
    return min(MAX_DURATION_S, end + clip.ring_s)


def _ms(seconds: float) -> int:
    return int(round(seconds / TICK_S))


def _slot_events(clip: MidiClip, start_ms: int) -> tuple[list[tuple[int, int, mido.Message]], int]:
    """Absolute-time events of one slot and the slot's end (ms). The int in each tuple orders
    events at the same tick: setup, then note-offs, then note-ons, then the final cut."""
    ch = clip.channel
    setup_ms = start_ms - 100
    events = [
        (setup_ms, 0, mido.Message("control_change", channel=ch, control=121, value=0)),  # reset controllers
        (
            setup_ms,
            0,
            mido.Message("control_change", channel=ch, control=0, value=0),
        ),  # bank 0 (drums: channel 10 picks bank 128)
        (setup_ms, 0, mido.Message("program_change", channel=ch, program=clip.program)),
        (setup_ms, 0, mido.Message("control_change", channel=ch, control=7, value=100)),
        (setup_ms, 0, mido.Message("control_change", channel=ch, control=10, value=64)),
    ]
    # A note that is struck again before its note-off is cut at the new strike, or the old
    # note-off would silence the new note.
    next_on: dict[int, list[int]] = {}
    for n in clip.notes:
        next_on.setdefault(n[2], []).append(start_ms + _ms(n[0]))
    for n in clip.notes:
        on = start_ms + _ms(n[0])
        later = [t for t in next_on[n[2]] if t > on]
        off = min([on + max(1, _ms(n[1]))] + later)
        events.append((on, 2, mido.Message("note_on", channel=ch, note=int(n[2]), velocity=int(n[3]))))
        events.append((off, 1, mido.Message("note_off", channel=ch, note=int(n[2]), velocity=0)))
    end_ms = start_ms + _ms(clip_length_s(clip))
    events.append((end_ms, 3, mido.Message("control_change", channel=ch, control=120, value=0)))  # all sound off
    events.append((end_ms, 3, mido.Message("control_change", channel=ch, control=123, value=0)))  # all notes off
    return events, end_ms


def layout(clips: list[MidiClip]) -> tuple[mido.MidiFile, list[tuple[int, int]]]:
    """Build the MIDI file of a batch and each clip's (start_ms, end_ms) slot."""
    events: list[tuple[int, int, mido.Message]] = []
    slots = []
    cursor = 200
    for clip in clips:
        start = -(-cursor // 4) * 4  # slots start on the 4 ms block grid too
        ev, end = _slot_events(clip, start)
        events += ev
        slots.append((start, end))
        cursor = end + _ms(GAP_S)
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(ticks_per_beat=1000)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=1_000_000, time=0))
    now = 0
    for t, _, msg in events:
        track.append(msg.copy(time=t - now))
        now = t
    track.append(mido.MetaMessage("end_of_track", time=_ms(0.5)))
    return mid, slots


def render_clips(clips: list[MidiClip], gain: float = GAIN) -> list[np.ndarray]:
    """Render clips in one FluidSynth call; returns one mono float32 array per clip, starting at
    the first note-on and `clip_length_s` long."""
    check_available()
    mid, slots = layout(clips)
    with tempfile.TemporaryDirectory(prefix="soundloom-midi-") as tmp:
        midi_path, wav_path = Path(tmp) / "batch.mid", Path(tmp) / "batch.wav"
        mid.save(midi_path)
        cmd = [
            "fluidsynth",
            "-ni",
            "-q",
            "-F",
            str(wav_path),
            "-T",
            "wav",
            "-O",
            "float",
            "-r",
            str(SAMPLE_RATE),
            "-g",
            str(gain),
            "-o",
            "synth.cpu-cores=1",
            str(SOUNDFONT),
            str(midi_path),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not wav_path.exists():
            raise RuntimeError(f"fluidsynth failed ({done.returncode}): {done.stderr.strip()[:500]}")
        audio, rate = sf.read(wav_path, dtype="float32", always_2d=True)
    assert rate == SAMPLE_RATE
    mono = to_mono(audio)
    lag = int(round(LATENCY_S * SAMPLE_RATE))
    out = []
    for start_ms, end_ms in slots:
        a = int(round(start_ms * TICK_S * SAMPLE_RATE)) + lag
        b = int(round(end_ms * TICK_S * SAMPLE_RATE)) + lag
        seg = mono[a:b]
        out.append(np.pad(seg, (0, max(0, (b - a) - len(seg)))).astype(np.float32))
    return out
