"""`soundloom eval` scores: computed for a real (untrained) starter, and right for outputs whose
answers are known — an output at the named pitch scores a small error and a wrong one a large one,
the right class scores adherence and the wrong class none, a better reconstruction a smaller distance."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.training import evaluation
from soundloom.engine.training.classifier import ClassifierConfig, MelClassifier, train_classifier
from soundloom.engine.training.corpus.manifest import read_manifest
from soundloom.engine.training.evaluation import evaluate, log_spectral_distance, median_cents, names_count
from soundloom.engine.training.mel_cache import build_mel_cache

RATE = 16000
A4, B4 = 440.0, 493.88  # B4 is a whole tone (200 cents) above A4


def _note(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(RATE * seconds)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t) * np.exp(-2 * t)).astype(np.float32)


def _hits(count: int, seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    audio = np.zeros(round(RATE * seconds), np.float32)
    gap = len(audio) // count
    for k in range(count):
        audio[k * gap : k * gap + 800] = np.random.default_rng(seed + k).standard_normal(800) * np.exp(-np.arange(800) / 100)
    return 0.5 * audio


def _corpus(root, clips: int = 6, train: int = 0):
    """Piano A4 notes and four snare hits, alternating; the first `train` clips are the train split."""
    entries = []
    (root / "clips").mkdir(parents=True)
    for i in range(clips):
        if i % 2 == 0:
            audio, cls, captions, attrs, f0 = _note(A4), "piano", ["a piano playing A4"], {"kind": "note"}, A4
        else:
            audio, cls, captions, attrs, f0 = _hits(4, seed=i), "snare", ["four snare hits"], {"kind": "hits", "count": 4}, None
        sf.write(root / f"clips/{i}.flac", audio, RATE)
        entries.append({"id": str(i), "path": f"clips/{i}.flac", "split": "train" if i < train else "heldout",
                        "source": "procedural", "class": cls, "captions": captions, "paraphrases": [captions[0] + " again"],
                        "duration_s": 1.0, "ground_truth": {"attrs": attrs, "f0_hz": f0}})
    (root / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root


@pytest.mark.parametrize("family", [pytest.param("stable_audio", marks=pytest.mark.slow), "discodiff"])
def test_a_model_of_another_rate_and_front_end_is_scored_by_the_same_ears(tmp_path, family):
    """Stable Audio Open (44.1 kHz stereo, no mel front end) and DiscoDiff (a codec) are scored on
    the classifier's own 16 kHz log-mels, like the starter."""
    from soundloom.engine.models.untrained_discodiff import build_untrained_discodiff
    from soundloom.engine.models.untrained_stable_audio import build_untrained_stable_audio

    corpus = _corpus(tmp_path / "corpus", clips=4)
    classifier = MelClassifier(2, (8, 8))
    torch.save({"model": classifier.state_dict(), "classes": ["piano", "snare"], "config": {"channels": [8, 8], "frames": 128},
                "floor": -11.5}, tmp_path / "classifier.pt")
    build = build_untrained_stable_audio if family == "stable_audio" else build_untrained_discodiff
    model = load_model(build(tmp_path / family))
    assert model.sample_rate != RATE or model.audio_channels != 1
    report = evaluate(model, corpus, tmp_path / "classifier.pt", per_class=1, steps=2)
    assert report["clips"] == 2 and report["classes"] == 2
    for key in ("text_adherence", "paraphrase_adherence", "classifier_accuracy_on_real_heldout"):
        assert 0.0 <= report[key] <= 1.0
    assert report["frechet_distance"] >= 0 and report["reconstruction_lsd_db"] > 0 and report["reconstruction_mel_l1"] > 0


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


def _silence(seconds: float, seed: int) -> np.ndarray:
    return np.zeros(round(RATE * seconds), np.float32)


def _noise(seconds: float, seed: int) -> np.ndarray:
    return 0.1 * np.random.default_rng(seed).standard_normal(round(RATE * seconds)).astype(np.float32)


# Stand-ins for a model's output, by the kind of prompt ("piano" or "snare"): f(seconds, seed).
NOTE = lambda seconds, seed: _note(A4, seconds)  # noqa: E731
SHARP = lambda seconds, seed: _note(B4, seconds)  # noqa: E731
SNARE = lambda seconds, seed: _hits(4, seconds, seed)  # noqa: E731
TWO_HITS = lambda seconds, seed: _hits(2, seconds, seed)  # noqa: E731
EXACT = lambda clip: clip  # noqa: E731
SCENARIOS = {  # name: ({kind: output}, VAE and vocoder round trip; None: the untrained starter's own)
    "right": ({"piano": NOTE, "snare": SNARE}, None),
    "sharp": ({"piano": SHARP, "snare": SNARE}, EXACT),
    "silent piano": ({"piano": _silence, "snare": SNARE}, EXACT),
    "swapped": ({"piano": SNARE, "snare": NOTE}, EXACT),
    "noise": ({"piano": _noise, "snare": _noise}, EXACT),
    "two hits": ({"piano": NOTE, "snare": TWO_HITS}, EXACT),
    "exact": ({"piano": NOTE, "snare": SNARE}, EXACT),
    "quieter": ({"piano": NOTE, "snare": SNARE}, lambda clip: 0.5 * clip),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """evaluate(...) of an untrained starter whose outputs are replaced by known ones, per scenario."""
    root = tmp_path_factory.mktemp("scored")
    corpus = _corpus(root / "corpus", clips=16, train=12)
    mel = MelConfig()
    cache = build_mel_cache(read_manifest(corpus), corpus, root / "mels", mel)
    config = ClassifierConfig(channels=(8, 8), frames=128, steps=120, batch=8, lr=3e-3, checkpoint_every=1000)
    train_classifier(cache, ["piano", "snare"], root / "classifier", config, float(np.log(mel.log_floor)))
    model = load_model(build_untrained_starter(root / "starter"))
    done = {}
    for name, (outputs, autoencoder) in SCENARIOS.items():
        def generate(model, request, outputs=outputs):
            kind = "piano" if "piano" in request.prompt else "snare"
            return SimpleNamespace(audio=[outputs[kind](request.seconds, request.seed)[None]])

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(evaluation, "generate", generate)
            if autoencoder is not None:
                patch.setattr(evaluation, "common", SimpleNamespace(
                    latent_frames=lambda model, n: n, encode_mono=lambda model, clip, frames: clip,
                    decode=lambda model, clip, n, autoencoder=autoencoder: [autoencoder(clip)[:n]]))
            done[name] = evaluate(model, corpus, root / "classifier" / "classifier.pt", per_class=2, steps=2)
    return done


def test_pitch_is_scored_against_the_named_note(reports):
    right, sharp, silent = reports["right"], reports["sharp"], reports["silent piano"]
    assert right["pitch_prompts"] == sharp["pitch_prompts"] == 2
    assert right["median_pitch_error_cents"] <= 5 and right["pitch_within_semitone"] == 1.0
    assert 190 <= sharp["median_pitch_error_cents"] <= 210 and sharp["pitch_within_semitone"] == 0.0
    # Tuning to the named note (what generate returns by default) repairs the wrong note.
    assert sharp["median_pitch_error_cents_tuned"] <= 5
    assert silent["pitch_prompts_unpitched"] == 2 and silent["median_pitch_error_cents"] is None
    assert silent["pitch_within_semitone"] == 0.0


def test_classes_onsets_and_distances_are_scored_against_the_prompt(reports):
    right, swapped = reports["right"], reports["swapped"]
    assert right["classifier_accuracy_on_real_heldout"] == 1.0  # the classifier learned the two classes
    assert right["text_adherence"] == right["paraphrase_adherence"] == 1.0
    assert swapped["text_adherence"] == swapped["paraphrase_adherence"] == 0.0
    assert right["onset_prompts"] == 2 and right["onset_count_accuracy"] == 1.0
    assert reports["two hits"]["onset_count_accuracy"] == swapped["onset_count_accuracy"] == 0.0
    assert right["frechet_distance"] < 0.1 * reports["noise"]["frechet_distance"]


def test_a_better_reconstruction_scores_a_smaller_distance(reports):
    exact, quieter, untrained = reports["exact"], reports["quieter"], reports["right"]
    assert exact["reconstruction_lsd_db"] < 0.01 and exact["reconstruction_mel_l1"] < 0.001
    # Half the amplitude is 6 dB down wherever there is sound (silent frames differ by nothing).
    assert 1.0 < quieter["reconstruction_lsd_db"] <= 20 * np.log10(2) + 0.01
    assert quieter["reconstruction_lsd_db"] < untrained["reconstruction_lsd_db"]
    assert quieter["reconstruction_mel_l1"] < untrained["reconstruction_mel_l1"]


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
