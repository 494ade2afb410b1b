"""Caption templates: held-out wording is new, every class can be described, words agree."""

from __future__ import annotations

import numpy as np
import pytest
from soundloom.engine.training.corpus import caption_templates as T
from soundloom.engine.training.corpus import captions as C
from soundloom.engine.training.corpus.classes import BY_NAME, CLASSES

from corpus_draws import draw_attrs


def test_heldout_wording_appears_in_no_training_template():
    """A held-out template is new wording: its own words (slots removed) match no training
    template anywhere, or it is built on held-out-only words (the `held_*` slots)."""
    all_train = {C.skeleton(t) for s in T.TEMPLATES.values() for t in s["train"]}
    for name, sets in T.TEMPLATES.items():
        for template in sets["heldout"]:
            assert template not in sets["train"]
            assert C.skeleton(template) not in all_train or "{held_" in template or "{a_one_held_" in template, (name, template)


def test_held_out_words_feed_only_held_out_templates():
    train_text = " ".join(t for s in T.TEMPLATES.values() for t in s["train"])
    assert "held_" not in train_text


@pytest.mark.parametrize("cls", CLASSES)
def test_every_class_gets_several_training_captions_and_a_paraphrase(cls):
    for i in range(25):
        attrs = draw_attrs(cls, i)
        rng = np.random.default_rng(i)
        train = C.captions(cls, attrs, rng, 4)
        held = C.paraphrases(cls, attrs, rng, 2)
        assert len(train) >= 3 and len(held) >= 1, (cls, attrs)
        assert not set(train) & set(held)
        assert all(any(k in c.lower() for k in BY_NAME[cls].keywords) for c in train), train
        assert all("{" not in c and "None" not in c for c in train + held)


def test_sparse_attributes_of_recordings_still_caption():
    for cls in ("notification", "kick", "speech", "engine", "impact", "laser", "whoosh", "fire", "click", "beep"):
        assert len(C.captions(cls, {}, np.random.default_rng(0), 4)) >= 2, cls
        assert C.paraphrases(cls, {}, np.random.default_rng(0), 2), cls


def test_captions_state_what_was_generated():
    attrs = {
        "instrument": "cello",
        "variant": "cello",
        "kind": "note",
        "note": "C2",
        "register": "low",
        "dynamics": "soft",
        "length": "long",
    }
    texts = C.captions("cello", attrs, np.random.default_rng(0), 20)
    assert "a low cello C2" in texts and "a cello playing C2" in texts
    hits = C.captions(
        "snare", {"piece": "snare drum", "count": 4, "kind": "hits", "dynamics": "loud"}, np.random.default_rng(0), 20
    )
    assert "four snare drum hits" in hits
    sweep = C.captions(
        "sweep",
        {"direction": "rising", "duration_s": 2.0, "start_hz": 100.0, "end_hz": 5000.0, "waveform": "sine"},
        np.random.default_rng(0),
        20,
    )
    assert "a rising sweep over two seconds" in sweep and "a sine sweep from 100 Hz to 5 kHz" in sweep
    kick = C.captions("kick", {"piece": "kick drum", "count": 1, "kind": "hit", "dynamics": "loud"}, np.random.default_rng(0), 20)
    assert "a punchy kick drum" in kick
    assert "thumping bass drum hit" in C.paraphrases(
        "kick", {"piece": "kick drum", "count": 1, "kind": "hit"}, np.random.default_rng(0), 9
    )


def test_articles():
    assert [C.article(w) for w in ("808", "A minor", "F#", "UI", "organ", "C major", "hour-long", "strings")] == [
        "an",
        "an",
        "an",
        "a",
        "an",
        "a",
        "a",
        "",
    ]
