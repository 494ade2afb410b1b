"""Foley, mechanical, rumble and crackle classes: files as the corpus writes them, material and
size heard in the spectrum, events where the generator put them, captions of their own."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from scipy import signal
from soundloom.engine.training.corpus import captions as C
from soundloom.engine.training.corpus import modal, procedural
from soundloom.engine.training.corpus.classes import ADDED_AFTER_V1, CLASSES
from soundloom.engine.training.corpus.clip import rng_for

from corpus_draws import draw_attrs
from soundloom.engine.training.corpus.ground_truth import record_path
from soundloom.engine.training.corpus.measure import detect_onsets
from soundloom.engine.training.corpus.render import render_batch
from soundloom.engine.training.corpus.specs import DEFAULT_COUNTS, _synthetic_spec, make_specs

SR = 16000
NEW = ("glass", "dropped_object", "ratchet", "motor", "gears", "rumble", "crackle")
V1_CLASS_COUNT = 43


def make(cls: str, i: int = 0, **override):
    params, attrs = procedural.draw(cls, rng_for(5, cls, i))
    params.update(override)
    return params, attrs, procedural.render(cls, params)


def centroid_hz(x: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    return float((power * np.fft.rfftfreq(len(x), 1 / SR)).sum() / power.sum())


def ring_s(x: np.ndarray, drop_db: float = 30.0) -> float:
    """Seconds from the envelope's peak until it stays `drop_db` below it."""
    env = np.convolve(np.abs(signal.hilbert(x)), np.ones(160) / 160, mode="same")
    peak = int(np.argmax(env))
    above = np.flatnonzero(env[peak:] > env[peak] * 10 ** (-drop_db / 20))
    return float(above[-1]) / SR


def dominant_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / SR)[np.argmax(spectrum)])


def test_new_classes_follow_the_v1_classes_and_every_one_is_procedural():
    assert CLASSES[V1_CLASS_COUNT - 1] == "speech"  # v1's class indices are unchanged
    assert CLASSES[V1_CLASS_COUNT:] == NEW == ADDED_AFTER_V1
    assert set(NEW) <= set(procedural.PROCEDURAL_CLASSES)


def test_the_licence_clean_plan_has_every_new_class_at_the_procedural_count():
    specs = make_specs(0)  # the default build: licence-clean
    by_class = {c: sum(1 for s in specs if s.cls == c) for c in CLASSES}
    assert len([c for c, n in by_class.items() if n]) == V1_CLASS_COUNT + len(NEW) == len(CLASSES)
    assert all(by_class[c] == DEFAULT_COUNTS["procedural"] for c in NEW)


def test_a_clip_of_each_new_class_is_written_as_a_16k_mono_clip_and_renders_the_same_twice(tmp_path):
    specs = [_synthetic_spec(3, "procedural", cls, 0) for cls in NEW]
    render_batch(str(tmp_path), specs, "wav")
    for spec in specs:
        audio, rate = sf.read(str(tmp_path / f"{spec.relpath}.wav"), dtype="float64")
        truth = json.loads(record_path(tmp_path, spec.id).read_text())["ground_truth"]
        assert rate == SR and audio.ndim == 1 and truth["class"] == spec.cls, spec.id
        assert len(audio) == pytest.approx(truth["duration_s"] * SR, abs=1) and 1.0 <= len(audio) / SR <= 10.0
        assert np.all(np.isfinite(audio)) and np.sqrt(np.mean(audio**2)) > 10 ** (-45 / 20), spec.id
        again = procedural.render(spec.cls, spec.params).audio
        assert 20 * np.log10(np.max(np.abs(again))) == pytest.approx(spec.params["peak_dbfs"], abs=0.01)
        if "length_s" in spec.params:  # textures and machines last exactly as long as drawn
            assert len(again) == round(spec.params["length_s"] * SR)
        assert np.allclose(again[: len(audio)], audio, atol=1e-6)


@pytest.mark.parametrize("material", list(modal.MATERIALS))
def test_a_larger_object_rings_lower(material):
    small = [centroid_hz(modal.strike(np.random.default_rng(s), material, "small")) for s in range(3)]
    large = [centroid_hz(modal.strike(np.random.default_rng(s), material, "large")) for s in range(3)]
    assert max(large) < 0.6 * min(small), (small, large)


def test_metal_and_glass_ring_on_where_wood_and_plastic_die_away():
    def median_ring(material):
        return float(np.median([ring_s(modal.strike(np.random.default_rng(s), material, "medium")) for s in range(3)]))

    wood, metal, glass, plastic = (median_ring(m) for m in ("wood", "metal", "glass", "plastic"))
    assert metal > 5 * wood and glass > 2 * wood and wood > plastic, (wood, metal, glass, plastic)


def test_size_of_glass_and_dropped_objects_moves_their_spectrum():
    cases = (("glass", {"object": "bottle", "action": "tap", "count": 1}), ("dropped_object", {"material": "wood"}))
    for cls, fixed in cases:
        small = centroid_hz(make(cls, 1, size="small", **fixed)[2].audio)
        large = centroid_hz(make(cls, 1, size="large", **fixed)[2].audio)
        assert large < small, (cls, small, large)


def test_a_dropped_object_bounces_sooner_and_softer_each_time():
    params, _, out = make("dropped_object", 2, material="wood", size="medium", height_m=1.0, restitution=0.55)
    onsets = out.onsets_s
    gaps = np.diff(onsets)
    assert len(onsets) >= 4 and np.all(gaps[1:] < gaps[:-1])
    # The first gap is the flight after the first bounce: 2 * e * sqrt(2 g h) / g seconds.
    assert gaps[0] == pytest.approx(2 * 0.55 * np.sqrt(2 * 9.81) / 9.81, abs=0.01)
    detected = detect_onsets(out.audio, min_gap_s=0.05)
    assert all(min(abs(d - t) for d in detected) < 0.02 for t in onsets[:3]), (onsets, detected)


def test_motor_whine_sweeps_with_its_speed():
    for variant, rising in (("spin up", True), ("spin down", False)):
        _, _, out = make("motor", 0, variant=variant, top_hz=100.0, teeth=12, length_s=3.0, brush=0.1)
        x = out.audio
        early, late = dominant_hz(x[int(0.15 * SR) : int(0.45 * SR)]), dominant_hz(x[int(2.3 * SR) : int(2.6 * SR)])
        assert (late > 1.5 * early) if rising else (early > 1.5 * late), (variant, early, late)


def test_ratchet_and_gear_clicks_come_at_their_stated_rate():
    _, _, crank = make("ratchet", 0, variant="crank", rate_hz=8.0, length_s=3.0)
    assert len(detect_onsets(crank.audio, min_gap_s=0.05)) == pytest.approx(24, abs=2)
    _, _, gears = make("gears", 0, variant="clockwork", mesh_hz=12.0, length_s=3.0)
    assert len(detect_onsets(gears.audio, min_gap_s=0.04)) == pytest.approx(36, abs=4)


def test_rumbles_are_deep_and_crackles_are_bright_and_sparse():
    rumbles = [make("rumble", i, variant=v)[2].audio for i, v in enumerate(("thunder", "earthquake", "train", "deep"))]
    assert max(centroid_hz(x) for x in rumbles) < 400
    vinyl = make("crackle", 0, variant="vinyl", rate_hz=8.0)[2].audio
    hp = signal.sosfilt(signal.butter(4, 1000, "highpass", fs=SR, output="sos"), vinyl)
    assert centroid_hz(vinyl) > 1000 and np.mean(hp**4) / np.mean(hp**2) ** 2 > 20  # impulsive, not a hiss


def test_new_classes_have_captions_no_other_class_produces():
    def texts(cls: str) -> set[str]:
        out: set[str] = set()
        for i in range(30):
            attrs, rng = draw_attrs(cls, i), np.random.default_rng(i)
            out |= set(C.captions(cls, attrs, rng, 8)) | set(C.paraphrases(cls, attrs, rng, 4))
        return out

    others = set().union(*(texts(c) for c in CLASSES if c not in NEW))
    for cls in NEW:
        mine = texts(cls)
        assert len(mine) >= 8 and not mine & others, (cls, mine & others)
        assert not mine & set().union(*(texts(c) for c in NEW if c != cls)), cls


def test_leaving_the_added_classes_out_plans_exactly_the_v1_clips():
    """The v1 starter's corpus is still reproducible: the new classes change no other clip."""
    full = make_specs(0, include_copyleft=True)
    v1 = make_specs(0, include_copyleft=True, excluded=ADDED_AFTER_V1)
    assert [(s.id, s.params) for s in v1] == [(s.id, s.params) for s in full if s.cls not in ADDED_AFTER_V1]
    assert len(full) - len(v1) == len(ADDED_AFTER_V1) * DEFAULT_COUNTS["procedural"]
