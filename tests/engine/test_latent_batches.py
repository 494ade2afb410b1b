"""Training batches for the starter UNet: crop, silence padding, and how often named-note clips are drawn."""

import numpy as np
import pytest

from soundloom.engine.training.diffusion_training import LatentBatches, UNetConfig

CAPTIONS = [["a kick drum"]] * 10 + [["a piano playing C3", "a piano note"], ["a cello note, G2"]]


def _batches(pitched_weight: float) -> LatentBatches:
    latents = [np.full((4, 12 if i % 2 else 5), float(i), np.float32) for i in range(len(CAPTIONS))]
    silence = np.full((4, 1), -1.0, np.float32)
    config = UNetConfig(latent_channels=4, batch=64, crop=8, caption_dropout=0.0, pitched_weight=pitched_weight)
    return LatentBatches(latents, CAPTIONS, silence, config)


def _pitched_share(batches: LatentBatches, draws: int = 40) -> float:
    rng = np.random.default_rng(0)
    picked = [batches.sample(rng)[0][:, 0, 0].numpy() for _ in range(draws)]  # each row is filled with its clip index
    return float(np.isin(np.concatenate(picked), [10.0, 11.0]).mean())


@pytest.mark.parametrize("weight, expected", [(1.0, 2 / 12), (3.0, 6 / 16)])
def test_clips_naming_a_note_are_drawn_in_proportion_to_their_weight(weight, expected):
    assert _pitched_share(_batches(weight)) == pytest.approx(expected, abs=0.03)


def test_short_clips_are_padded_with_silence_and_long_ones_cropped():
    latents, texts = _batches(1.0).sample(np.random.default_rng(1))
    assert latents.shape == (64, 4, 8) and len(texts) == 64
    for row in latents.numpy():
        if row[0, 0] % 2 == 0:  # a 5-frame clip: its frames, then silence
            assert (row[:, 5:] == -1.0).all() and (row[:, :5] == row[0, 0]).all()
        else:
            assert (row == row[0, 0]).all()
