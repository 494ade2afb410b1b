"""`soundloom train starter` and `soundloom eval` run for real on a small synthesised corpus."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from soundloom.engine.models.loading import load_model
from soundloom.engine.models.untrained import build_untrained_starter
from soundloom.engine.pipelines import GenerateRequest, generate
from soundloom.engine.training import starter_recipe
from soundloom.engine.training.checkpoint import list_checkpoints
from soundloom.engine.training.cli import main as training_main
from soundloom.engine.training.corpus import build as corpus_build
from soundloom.engine.training.corpus import read_manifest
from soundloom.engine.training.corpus.classes import BY_NAME
from soundloom.engine.training.decoder_training import DecoderConfig
from soundloom.engine.training.diffusion_training import UNetConfig
from soundloom.engine.training.vae_training import VAEConfig
from soundloom.engine.training.vocoder_training import VocoderConfig

CLI = [sys.executable, "-m", "soundloom.sdk.cli"]
# The corpus builder's own code at the smallest size that still has a train and a held-out clip of
# each class: two clips of four short procedural classes (counted laser zaps, clicks and beeps).
KEPT = ("whoosh", "laser", "click", "beep")
SMALL_CORPUS = dict(sources=("procedural",), per_class=2, mixes=0, jobs=1, progress=False,
                    exclude_class=tuple(sorted(set(BY_NAME) - set(KEPT))))
StarterRecipe = starter_recipe.StarterRecipe


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "procedural"
    corpus_build.build_corpus(root, seed=0, **SMALL_CORPUS)
    return root


def tiny_recipe() -> StarterRecipe:
    """The starter recipe at the sizes of the model-building tests (the real one trains for hours)."""
    recipe = StarterRecipe()
    recipe.vae = VAEConfig(channels=(8, 16, 16, 16), latent_channels=4, norm_groups=8, steps=2, batch=2, crop_frames=64,
                           checkpoint_every=2)
    recipe.unet = UNetConfig(channels=(32, 32, 32), latent_channels=4, head_dim=8, norm_groups=8, steps=4, batch=2, crop=8,
                             checkpoint_every=2)
    recipe.decoder = DecoderConfig(steps=2, batch=2, crop_frames=64, checkpoint_every=2)
    recipe.vocoder = VocoderConfig(channels=16, steps=2, batch=2, segment_s=0.5, checkpoint_every=2)
    return recipe


def test_train_starter_builds_its_corpus_trains_and_writes_a_model_that_generates(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", str(tmp_path / "data"))
    # `train starter` builds the full corpus with the full recipe; the same code runs here at toy sizes.
    monkeypatch.setattr(corpus_build, "build_corpus", functools.partial(corpus_build.build_corpus, **SMALL_CORPUS))
    monkeypatch.setattr(starter_recipe, "StarterRecipe", tiny_recipe)
    clips = len(read_manifest(corpus))
    work, out = tmp_path / "work", tmp_path / "starter"
    command = ["train", "starter", "--corpus", str(corpus), "--work", str(work), "--out", str(out)]

    assert training_main([*command, "--steps", "4"]) == 0
    log = json.loads(capsys.readouterr().out)  # the training log, as JSON on stdout
    assert log["recipe"]["unet"]["steps"] == 4 and log["vocoder"]["chosen"] in ("vocoder", "griffin_lim")
    assert len(read_manifest(corpus)) == clips  # the corpus was already complete: nothing was added
    assert json.loads((out / "training.json").read_text())["unet_steps"] == 4

    # Running it again with more steps continues the UNet instead of starting over.
    assert training_main([*command, "--steps", "6"]) == 0
    capsys.readouterr()
    assert list_checkpoints(work / "unet" / "checkpoints")[-1].name == "step-0000006.pt"
    assert json.loads((out / "training.json").read_text())["unet_steps"] == 6
    model = load_model(out)
    result = generate(model, GenerateRequest(prompt="rain on a roof", seconds=1.0, steps=2, seed=0))
    assert result.audio[0].shape == (1, 16000) and np.all(np.isfinite(result.audio[0]))


def test_eval_scores_a_model_on_the_held_out_clips_and_writes_the_report(corpus, tmp_path, monkeypatch, capsys):
    model = build_untrained_starter(tmp_path / "starter")
    # Griffin-Lim from the pseudo-inverse alone: the phase fit is most of an untrained model's time.
    (model / "vocoder" / "config.json").write_text(json.dumps({"iterations": 4, "inversion_iterations": 0}))
    work, report = tmp_path / "work", tmp_path / "report.json"
    env = dict(os.environ, SOUNDLOOM_DATA_DIR=str(tmp_path / "data"))
    command = [*CLI, "eval", "--model", str(model), "--corpus", str(corpus), "--work", str(work),
               "--classifier-steps", "2", "--per-class", "1", "--steps", "2", "--report", str(report)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    assert json.loads(report.read_text()) == printed
    classes = {e["class"] for e in read_manifest(corpus) if e["split"] == "heldout"}
    assert printed["clips"] == printed["classes"] == len(classes) == len(KEPT)  # one held-out clip of every class
    assert printed["onset_prompts"] >= 2  # "two laser zaps", "six clicks", …
    assert printed["steps"] == 2 and printed["model"] == "starter"
    for key in ("text_adherence", "classifier_accuracy_on_real_heldout"):
        assert 0.0 <= printed[key] <= 1.0
    assert printed["reconstruction_lsd_db"] > 0 and np.isfinite(printed["frechet_distance"])
    classifier = work / "classifier" / "classifier.pt"
    assert classifier.exists()
    trained_at = classifier.stat().st_mtime_ns
    # A second run (here in this process, the program `soundloom eval` hands over to) scores again
    # with the classifier it already has.
    monkeypatch.setenv("SOUNDLOOM_DATA_DIR", env["SOUNDLOOM_DATA_DIR"])
    assert training_main(command[len(CLI):]) == 0
    again = json.loads(capsys.readouterr().out)
    assert classifier.stat().st_mtime_ns == trained_at
    assert again["text_adherence"] == printed["text_adherence"]  # same seeds, same scores
    assert again["reconstruction_lsd_db"] == printed["reconstruction_lsd_db"]
