"""FluidSynth rendering: pitch, onset timing, batching and the missing-package message."""

from __future__ import annotations

import numpy as np
import pytest
from soundloom.engine.training.corpus import MissingDependency, drums, midi_render
from soundloom.engine.training.corpus.audio import read_audio
from soundloom.engine.training.corpus.clip import ClipSpec
from soundloom.engine.training.corpus.ground_truth import read_record
from soundloom.engine.training.corpus.instruments import INSTRUMENTS, RESERVED_PROGRAMS
from soundloom.engine.pitch import cents, estimate_f0
from soundloom.engine.training.corpus.measure import detect_onsets
from soundloom.engine.training.corpus.render import render_batch, score_onsets


def render(clips):
    try:
        return midi_render.render_clips(clips)
    except MissingDependency as err:
        pytest.fail(str(err))


def test_a4_on_piano_and_flute_is_440_hz_within_a_few_cents():
    piano, flute = render(
        [midi_render.MidiClip(0, [[0.0, 1.5, 69, 100]], 0.5), midi_render.MidiClip(73, [[0.0, 1.5, 69, 100]], 0.5)]
    )
    for audio in (piano, flute):
        f0 = estimate_f0(audio[:16000])
        assert f0 is not None and abs(cents(f0, 440.0)) < 5.0, f0


def test_note_names_map_to_their_frequency_across_the_range():
    pitches = [36, 48, 60, 72]  # C2..C5 on a cello and a synth lead
    clips = [midi_render.MidiClip(42 if p < 60 else 80, [[0.0, 1.2, p, 100]], 0.3) for p in pitches]
    for pitch, audio in zip(pitches, render(clips)):
        f0 = estimate_f0(audio[:16000])
        assert abs(cents(f0, 440.0 * 2 ** ((pitch - 69) / 12))) < 10.0, (pitch, f0)


def test_snare_roll_onsets_match_the_score_to_within_10_ms(tmp_path):
    notes = [[round(i * 0.2, 3), 0.9, 38, 110] for i in range(4)]  # "four snare hits"
    spec = ClipSpec("drums-snare-test", "drums", "snare", {"kit": 0, "key": 38, "notes": notes, "ring_s": 0.2}, {"count": 4}, "g")
    try:
        render_batch(str(tmp_path), [spec], "flac")
    except MissingDependency as err:
        pytest.fail(str(err))
    record = read_record(tmp_path, spec.id)
    truth = record["ground_truth"]["onsets_s"]
    assert truth == [0.0, 0.2, 0.4, 0.6]
    detected = detect_onsets(read_audio(tmp_path / record["path"]))
    assert len(detected) == 4
    assert np.max(np.abs(np.array(detected) - np.array(truth))) < 0.010


def test_sound_starts_at_the_clip_start_and_slots_do_not_bleed():
    # A sustained pad before a short click: if slots bled into each other, the click clip would
    # start with the pad's tail instead of silence-then-attack.
    clips = [midi_render.MidiClip(89, [[0.0, 3.0, 48, 127]], 2.5), midi_render.MidiClip(0, [[0.0, 0.3, 75, 120]], 0.5, channel=9)]
    pad, clave = render(clips)
    onset = int(np.flatnonzero(np.abs(clave) > 0.05 * np.abs(clave).max())[0])
    assert onset < 0.005 * 16000  # leading silence is trimmed to under 5 ms
    assert np.max(np.abs(clave[: max(1, onset - 16)])) < 1e-3 * np.max(np.abs(clave))
    assert np.max(np.abs(pad[-160:])) < 1e-2 * np.max(np.abs(pad))


def test_same_batch_renders_identical_samples():
    clips = [
        midi_render.MidiClip(24, [[0.0, 0.8, 52, 90], [0.012, 0.8, 56, 90]], 0.5),
        midi_render.MidiClip(0, [[0.0, 0.3, 36, 100]], 0.3, 9),
    ]
    first, second = render(clips), render(clips)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_strummed_chord_is_one_onset_and_a_beat_keeps_every_hit():
    strum = [[i * 0.02, 1.0, p, 90] for i, p in enumerate((40, 47, 52, 56, 59, 64))]
    assert score_onsets(strum) == [0.0]
    assert score_onsets([[0.0, 1, 36, 100], [0.0, 1, 42, 80], [0.124, 1, 42, 80], [0.248, 1, 38, 100]]) == [0.0, 0.124, 0.248]


def test_missing_fluidsynth_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(midi_render.shutil, "which", lambda name: None)
    with pytest.raises(MissingDependency, match="fluidsynth"):
        midi_render.check_available()
    monkeypatch.setattr(midi_render.shutil, "which", lambda name: "/usr/bin/fluidsynth")
    monkeypatch.setattr(midi_render, "SOUNDFONT", midi_render.SOUNDFONT.with_name("absent.sf2"))
    with pytest.raises(MissingDependency, match="fluid-soundfont-gm"):
        midi_render.check_available()


def test_reserved_families_are_never_rendered():
    programs = {p.number for inst in INSTRUMENTS for p in inst.programs}
    assert not programs & RESERVED_PROGRAMS
    assert not {10, 108, 114} & programs  # music box, kalimba, steel drums


@pytest.mark.slow
def test_every_planned_note_and_drum_sounds():
    """Every (program, pitch) the corpus can draw, and every (kit, key), makes sound in FluidR3."""
    clips, keys = [], []
    for inst in INSTRUMENTS:
        for p in inst.programs:
            for pitch in range(p.low, p.high + 1):
                clips.append(midi_render.MidiClip(p.number, [[0.0, 0.3, pitch, 40]], 0.2))
                keys.append((p.name, pitch))
    for kit in drums.KITS:
        for cls, pieces in drums.PIECES.items():
            for key in pieces:
                if (kit, key) not in drums.SILENT and kit in drums.KITS_FOR[cls]:
                    clips.append(midi_render.MidiClip(kit, [[0.0, 0.3, key, 60]], 0.2, 9))
                    keys.append((kit, key))
    silent = []
    for i in range(0, len(clips), 300):
        for key, audio in zip(keys[i : i + 300], render(clips[i : i + 300])):
            if np.max(np.abs(audio)) < 10 ** (-60 / 20):
                silent.append(key)
    assert silent == []


def test_ground_truth_f0_is_the_measured_lowest_partial_even_for_organs(tmp_path):
    """A drawbar organ's key A4 sounds its 16'/32' stops: the ground truth says so, so pitch
    checks against the corpus measure what is really there."""
    specs = [
        ClipSpec(
            f"midi-organ-{p}",
            "midi",
            "organ",
            {
                "program": p,
                "program_name": "organ",
                "release_s": 0.5,
                "kind": "note",
                "notes": [[0.0, 1.5, 69, 100]],
                **({"sounding_shift": s} if s else {}),
            },
            {},
            "g",
        )
        for p, s in ((16, -24), (18, -12), (19, 0))
    ]
    try:
        render_batch(str(tmp_path), specs, "flac")
    except MissingDependency as err:
        pytest.fail(str(err))
    for spec in specs:
        record = read_record(tmp_path, spec.id)
        truth = record["ground_truth"]
        assert truth["midi_pitch"] == 69
        measured = estimate_f0(read_audio(tmp_path / record["path"])[:16000], fmin_hz=20)
        assert abs(cents(measured, truth["f0_hz"])) < 15, (spec.id, measured, truth["f0_hz"])
