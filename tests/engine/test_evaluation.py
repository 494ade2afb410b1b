"""`soundloom eval` plumbing on a toy corpus and an untrained starter: every score is computed."""

import json

import numpy as np
import soundfile as sf
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.training.classifier import MelClassifier
from soundloom.engine.training.evaluation import evaluate, log_spectral_distance, median_cents, names_count


def _corpus(root):
    entries = []
    (root / "clips").mkdir(parents=True)
    for i in range(6):
        rate, cls = 16000, ["piano", "snare"][i % 2]
        t = np.arange(rate) / rate
        if cls == "piano":
            audio = 0.3 * np.sin(2 * np.pi * 440 * t) * np.exp(-2 * t)
            attrs, captions, f0 = {"kind": "note"}, ["a piano playing A4"], 440.0
        else:
            audio = np.zeros(rate)
            for k in range(4):
                audio[k * 4000 : k * 4000 + 800] = np.random.default_rng(k).standard_normal(800) * np.exp(-np.arange(800) / 100)
            attrs, captions, f0 = {"kind": "hits", "count": 4}, ["four snare hits"], None
        sf.write(root / f"clips/{i}.flac", audio.astype(np.float32), rate)
        entries.append({"id": str(i), "path": f"clips/{i}.flac", "split": "heldout", "source": "procedural", "class": cls,
                        "captions": captions, "paraphrases": [captions[0] + " again"], "duration_s": 1.0,
                        "ground_truth": {"attrs": attrs, "f0_hz": f0}})
    (root / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root


def test_every_score_is_computed(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    classifier = MelClassifier(2, (8, 8))
    torch.save({"model": classifier.state_dict(), "classes": ["piano", "snare"], "config": {"channels": [8, 8], "frames": 128},
                "floor": -11.5}, tmp_path / "classifier.pt")
    model = load_model(build_untrained_starter(tmp_path / "starter"))
    report = evaluate(model, corpus, tmp_path / "classifier.pt", per_class=2, steps=2)
    assert report["clips"] == 4 and report["classes"] == 2
    for key in ("text_adherence", "paraphrase_adherence", "classifier_accuracy_on_real_heldout", "onset_count_accuracy"):
        assert 0.0 <= report[key] <= 1.0
    assert report["frechet_distance"] >= 0 and report["reconstruction_lsd_db"] > 0
    assert report["onset_prompts"] == 2
    # Both piano prompts are scored even if the untrained model's output has no pitch at all.
    assert report["pitch_prompts"] == 2 and 0 <= report["pitch_prompts_unpitched"] <= 2
    assert report["median_pitch_error_cents"] is None or report["median_pitch_error_cents"] >= 0


def test_a_median_that_falls_on_an_unpitched_output_is_none():
    assert median_cents([10.0, 30.0, float("inf")]) == 30.0
    assert median_cents([10.0, float("inf"), float("inf")]) is None and median_cents([]) is None


def test_log_spectral_distance_is_zero_for_equal_signals_and_grows_with_difference():
    x = np.random.default_rng(0).standard_normal(16000)
    assert log_spectral_distance(x, x) < 1e-6
    assert log_spectral_distance(x, 0.5 * x) > log_spectral_distance(x, 0.9 * x) > 0.5


def test_counts_are_read_from_words_and_digits():
    assert names_count("four snare hits", 4) and names_count("3 beeps", 3)
    assert not names_count("four snare hits", 3)
