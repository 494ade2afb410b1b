"""The starter v2 recipe: 128 mel bands through the same 8× VAE, and the model card's licence section."""

from __future__ import annotations

import pytest
import torch
from soundloom.engine.training.model_card import licence_lines
from soundloom.engine.training.starter_recipe import StarterRecipe
from soundloom.engine.training.starter_v2 import parse_args, v2_recipe
from soundloom.engine.training.vae_training import make_vae


def test_v2_latent_has_twice_v1s_frequency_rows_and_v1_is_unchanged():
    v1, v2 = StarterRecipe(), v2_recipe()
    assert v1.mel.n_mels == 64 and v1.vae.checkpoint_every == 250  # v1 stays reproducible
    assert v2.mel.n_mels == 128
    vae = make_vae(v2.vae).eval()
    with torch.no_grad():
        latent = vae.encode(torch.zeros(1, 1, 64, v2.mel.n_mels)).latent_dist.mode()
        rebuilt = vae.decode(latent).sample
    # 64 frames × 128 bands → 8 × 16 latent positions: each latent row spans 4 of v1's mel bands.
    assert latent.shape == (1, v2.vae.latent_channels, 8, 16)
    assert rebuilt.shape == (1, 1, 64, 128)


def test_v2_checkpoints_every_few_minutes_and_weights_its_vae_loss_toward_peaks():
    recipe = v2_recipe()
    assert recipe.vae.checkpoint_every <= 100 and recipe.unet.checkpoint_every <= 200
    assert recipe.unet.steps < StarterRecipe().unet.steps
    assert recipe.vae.peak_weight > 0 and StarterRecipe().vae.peak_weight == 0  # v1 reproduces unchanged


def test_bad_step_count_is_refused_naming_the_option(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--corpus", "c", "--work", "w", "--out", "o", "--vae-steps", "0"])
    assert "--vae-steps: 0 is out of range" in capsys.readouterr().err


CLEAN = [
    {"package": "hydrogen-drumkits", "licence": "CC0", "copyright": "A. Drummer", "clips": 13},
    {"package": "hydrogen-drumkits-effects", "licence": "CC-BY-3.0", "copyright": "B. Guitarist", "clips": 295},
]
COPYLEFT = CLEAN + [
    {"package": "hedgewars-data", "licence": "GFDL-1.3", "copyright": "Hedgewars team", "clips": 646},
    {"package": "hydrogen-drumkits", "licence": "GPL-2", "copyright": "C. Kit", "clips": 371},
]


def test_clean_card_says_outputs_are_unrestricted_and_credits_cc_by():
    text = "\n".join(licence_lines(CLEAN))
    assert "MIT licence" in text and "may be used without restriction" in text
    assert "B. Guitarist (CC-BY-3.0)" in text and "A. Drummer" not in text  # CC0 asks for no credit
    assert "copyleft" not in text


def test_copyleft_card_names_the_licences_and_does_not_promise_free_outputs():
    text = "\n".join(licence_lines(COPYLEFT))
    assert "GFDL-1.3" in text and "GPL-2" in text
    assert "without restriction" not in text and "cannot say without reservation" in text
    assert "not legal advice" in text


@pytest.mark.slow
def test_128_bands_keep_the_pitch_of_low_notes_that_64_bands_lose():
    """The front end alone (no VAE): mel → Griffin-Lim on FluidSynth's E1 bass and a 60 Hz hum."""
    from soundloom.engine.models.mel import MelConfig
    from soundloom.engine.training.starter_v2_low_notes import low_note_clips, measure

    clips = {k: v for k, v in low_note_clips().items() if k in ("bass E1", "hum 60 Hz")}
    v1, v2 = measure(MelConfig(n_mels=64), None, clips), measure(MelConfig(n_mels=128), None, clips)
    for name in clips:
        assert v2[name]["cents"] is not None and v2[name]["cents"] < 100, (name, v2[name])
        assert v1[name]["cents"] is None or v1[name]["cents"] > 100, (name, v1[name])
        assert v2[name]["lsd_db"] < v1[name]["lsd_db"]
