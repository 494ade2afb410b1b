"""Decoder refinement: only the decoder learns, so latents (and a UNet trained on them) stay valid."""

import numpy as np
import torch

from soundloom.engine.training.decoder_training import DecoderConfig, decoder_loss, peak_weights, refine_decoder
from soundloom.engine.training.mel_cache import MelCache
from soundloom.engine.training.vae_training import VAEConfig, make_vae


def _cache() -> MelCache:
    rng = np.random.default_rng(0)
    mels = rng.normal(-4.0, 2.0, size=(400, 64)).astype(np.float16)
    clips = [{"id": f"c{i}", "split": "train", "start": i * 100, "frames": 100} for i in range(4)]
    return MelCache(mels, clips)


def test_refining_changes_the_decoder_and_leaves_the_encoder_and_the_original_alone(tmp_path):
    torch.manual_seed(0)
    vae = make_vae(VAEConfig(channels=(8, 16), latent_channels=4, norm_groups=8))
    before = {k: v.clone() for k, v in vae.state_dict().items()}
    refined = refine_decoder(vae, _cache(), tmp_path, DecoderConfig(steps=3, batch=2, crop_frames=32, checkpoint_every=3), -11.5)
    after = refined.state_dict()
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    assert changed and all(k.startswith(("decoder.", "post_quant_conv.")) for k in changed)
    assert all(torch.equal(v, before[k]) for k, v in vae.state_dict().items())  # the caller's VAE is untouched
    assert (tmp_path / "checkpoints" / "step-0000003.pt").exists()


def test_the_loss_weighs_errors_at_a_frames_loud_bands_more():
    mels = torch.full((1, 1, 4, 64), -10.0)
    mels[..., 20] = 0.0  # one loud partial
    weights = peak_weights(mels, peak_range=4.0, peak_weight=3.0)
    assert weights[..., 20].eq(4.0).all() and weights[..., 40].eq(1.0).all()
    config = DecoderConfig()
    at_peak, on_floor = mels.clone(), mels.clone()
    at_peak[..., 20] += 0.5
    on_floor[..., 40] += 0.5
    assert decoder_loss(at_peak, mels, config) > 2 * decoder_loss(on_floor, mels, config)


def test_a_vae_can_train_with_the_peak_weighted_loss_from_its_first_step(tmp_path):
    from soundloom.engine.training.vae_training import train_vae

    shape = {"channels": (8, 16), "latent_channels": 4, "norm_groups": 8, "steps": 2, "batch": 2, "crop_frames": 32,
             "checkpoint_every": 2}
    plain = train_vae(_cache(), tmp_path / "plain", VAEConfig(**shape), -11.5).state_dict()
    peaks = train_vae(_cache(), tmp_path / "peaks", VAEConfig(**shape, peak_weight=3.0), -11.5).state_dict()
    # Same seed and batches: only the loss differs, so the weights part after the first step.
    assert any(not torch.equal(plain[k], peaks[k]) for k in plain)
