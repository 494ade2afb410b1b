"""The evaluation classifier learns separable classes, and the Fréchet distance behaves."""

import numpy as np

from soundloom.engine.training.classifier import ClassifierConfig, classify, frechet_distance, train_classifier
from soundloom.engine.training.mel_cache import MelCache


def test_it_separates_two_spectrally_distinct_classes(tmp_path):
    rng = np.random.default_rng(0)
    clips, parts, start = [], [], 0
    for i in range(40):
        mel = np.full((60, 64), -11.5, np.float32)
        band = slice(5, 15) if i % 2 else slice(40, 50)  # low versus high energy
        mel[:, band] = rng.uniform(-2, 0, (60, 10))
        parts.append(mel)
        clips.append({"id": str(i), "split": "train" if i < 32 else "heldout", "class": "low" if i % 2 else "high",
                      "captions": [], "start": start, "frames": 60})
        start += 60
    cache = MelCache(np.concatenate(parts).astype(np.float16), clips)
    config = ClassifierConfig(channels=(8, 8), frames=64, steps=120, batch=8, lr=3e-3, checkpoint_every=60)
    model = train_classifier(cache, ["high", "low"], tmp_path, config, floor=-11.5)
    heldout = cache.split("heldout")
    predicted, embeddings = classify(model, [cache.clip_mel(i) for i in heldout], config.frames)
    truth = [1 if cache.clips[i]["class"] == "low" else 0 for i in heldout]
    assert (predicted == np.array(truth)).mean() == 1.0
    assert embeddings.shape == (8, 16) and (tmp_path / "classifier.pt").exists()


def test_frechet_distance_is_zero_for_one_set_and_grows_with_a_shift():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((500, 4))
    assert abs(frechet_distance(a, a)) < 1e-6
    assert frechet_distance(a, a + 1.0) > frechet_distance(a, a + 0.2) > 0.01
