"""The starter recipe end to end on a toy corpus: every stage runs, resumes, and exports a loadable model."""

import json

import numpy as np
import soundfile as sf

from soundloom.engine.models.loading import load_model
from soundloom.engine.pipelines import GenerateRequest, generate
from soundloom.engine.training.checkpoint import list_checkpoints, load_latest
from soundloom.engine.training.starter_recipe import StarterRecipe, train_starter
from soundloom.engine.training.decoder_training import DecoderConfig
from soundloom.engine.training.diffusion_training import UNetConfig
from soundloom.engine.training.vae_training import VAEConfig
from soundloom.engine.training.vocoder_training import VocoderConfig


def _toy_corpus(root):
    rng = np.random.default_rng(0)
    entries = []
    for i in range(12):
        seconds = 0.6 + 0.2 * (i % 4)
        t = np.arange(int(seconds * 16000)) / 16000
        pitch = 220 * (1 + i % 3)
        audio = 0.3 * np.sin(2 * np.pi * pitch * t) * np.exp(-3 * t) + 0.01 * rng.standard_normal(t.size)
        path = f"clips/{i:03d}.flac"
        (root / "clips").mkdir(parents=True, exist_ok=True)
        sf.write(root / path, audio.astype(np.float32), 16000)
        entries.append({"id": f"c{i}", "path": path, "split": "heldout" if i >= 10 else "train", "class": f"tone{i % 3}",
                        "captions": [f"a tone number {i % 3}", f"tone {pitch} hertz"], "duration_s": seconds})
    (root / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root


def _recipe(vae_steps, unet_steps):
    recipe = StarterRecipe()
    recipe.vae = VAEConfig(channels=(8, 16, 16, 16), latent_channels=4, norm_groups=8, steps=vae_steps, batch=4, crop_frames=64, checkpoint_every=2)
    recipe.unet = UNetConfig(channels=(32, 32, 32), latent_channels=4, head_dim=8, norm_groups=8, steps=unet_steps, batch=4, crop=8,
                             checkpoint_every=2)
    recipe.decoder = DecoderConfig(steps=2, batch=2, crop_frames=64, checkpoint_every=2)
    recipe.vocoder = VocoderConfig(channels=16, steps=2, batch=2, segment_s=0.5, checkpoint_every=2)
    return recipe


def test_the_recipe_runs_resumes_and_exports_a_loadable_starter(tmp_path):
    corpus = _toy_corpus(tmp_path / "corpus")
    work, out = tmp_path / "work", tmp_path / "starter"
    train_starter(corpus, work, out, _recipe(vae_steps=4, unet_steps=4))
    assert [p.name for p in list_checkpoints(work / "unet" / "checkpoints")] == ["step-0000002.pt", "step-0000004.pt"]
    # A longer run picks up at step 4 instead of starting again.
    log = train_starter(corpus, work, out, _recipe(vae_steps=4, unet_steps=6))
    assert list_checkpoints(work / "unet" / "checkpoints")[-1].name == "step-0000006.pt"
    assert log["vae"]["heldout_mel_l1"] > 0 and log["decoder"]["heldout_mel_l1"] > 0
    assert log["vocoder"]["chosen"] in ("vocoder", "griffin_lim")
    model = load_model(out)
    assert model.family == "starter" and model.samples_per_latent_frame == 160 * 8
    assert model.default_steps == 10  # the recipe's, from the folder's soundloom.json
    result = generate(model, GenerateRequest(prompt="a tone", seconds=1.0, steps=3, seed=0))
    assert result.audio[0].shape == (1, 16000) and np.all(np.isfinite(result.audio[0]))


def test_training_continues_from_a_published_model_and_exports_mid_run(tmp_path):
    from soundloom.engine.training.starter_recipe import export_latest, seed_from_model

    corpus = _toy_corpus(tmp_path / "corpus")
    first = tmp_path / "starter"
    train_starter(corpus, tmp_path / "work", first, _recipe(vae_steps=2, unet_steps=4))
    assert json.loads((first / "training.json").read_text())["unet_steps"] == 4
    # A new machine: only the published folder survives. Training goes on from step 4.
    fresh = tmp_path / "fresh-work"
    published = json.loads((first / "training.json").read_text())
    published["unet_hours"] = 2.0  # as if the published UNet had trained for two hours
    (first / "training.json").write_text(json.dumps(published))
    assert seed_from_model(first, fresh) == 4
    train_starter(corpus, fresh, tmp_path / "continued", _recipe(vae_steps=2, unet_steps=6))
    continued = json.loads((tmp_path / "continued" / "training.json").read_text())
    assert continued["unet_steps"] == 6
    # The vocoder verdict is the published one, and no vocoder is trained again to reach it.
    assert continued["vocoder"]["chosen"] == published["vocoder"]["chosen"]
    assert not (fresh / "vocoder" / "checkpoints").exists()
    # Training time accumulates across the two machines.
    assert load_latest(fresh / "unet" / "checkpoints")["elapsed_s"] > 2.0 * 3600
    snapshot = export_latest(_recipe(2, 6), fresh, tmp_path / "snapshot")
    assert load_model(snapshot).family == "starter"
