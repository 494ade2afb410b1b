"""Fine-tuning a library adapter on families beyond the DDPM UNets: Stable Audio Open (stereo,
a transformer trained with v-diffusion on a cosine schedule) and DiscoDiff (two stages, the fine
one conditioned on the clean coarse levels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch

from soundloom.engine.models.loading import load_model
from soundloom.engine.training import lora
from soundloom.engine.training.finetune import FinetuneSpec, prepare, train_adapter

RATE = 44100


@pytest.fixture(scope="module")
def stereo_library(tmp_path_factory):
    """Three stereo clips whose left and right channels differ (a tone on one side, noise on the other)."""
    folder = tmp_path_factory.mktemp("library")
    rng = np.random.default_rng(0)
    for i, seconds in enumerate((1.0, 1.5, 2.0)):
        t = np.arange(int(seconds * RATE)) / RATE
        left = 0.5 * np.sin(2 * np.pi * 220 * (i + 1) * t) * np.exp(-4 * t)
        right = 0.1 * rng.standard_normal(len(t))
        sf.write(folder / f"hit_{i}.wav", np.stack([left, right], axis=1).astype(np.float32), RATE)
    return folder


def _spec(library, adapter, path, **extra) -> FinetuneSpec:
    return FinetuneSpec(folder=str(library), name="hits", base="sa", model_path=str(path), adapter_dir=str(adapter),
                        batch_size=2, learning_rate=1e-2, window_s=0.5, **extra)


def test_library_windows_keep_both_channels_of_a_stereo_model(stable_audio_path, stereo_library, tmp_path):
    model = load_model(stable_audio_path)
    _, windows = prepare(_spec(stereo_library, tmp_path / "adapter", stable_audio_path), model)
    assert windows and all(w.audio.shape[0] == 2 and w.audio.ndim == 2 for w in windows)
    first = windows[0].audio
    assert not np.allclose(first[0], first[1])  # left and right are not a mono copy


def test_a_stable_audio_adapter_trains_loads_and_switches_off_at_scale_zero(stable_audio_path, stereo_library, tmp_path):
    adapter = tmp_path / "adapter"
    spec = _spec(stereo_library, adapter, stable_audio_path, steps=3, validation_prompts=["hit"], validate_every=3)
    events = []
    record = train_adapter(spec, load_model(stable_audio_path), events.append, lambda: False)
    assert record["state"] == "ready" and math.isfinite(record["loss"])
    assert all(math.isfinite(e["loss"]) for e in events if e["event"] == "progress")
    assert (adapter / "lora" / lora.WEIGHTS_FILE).is_file()

    # The validation render is a stereo file at the model's rate.
    render, rate = sf.read(record["validation"][0]["path"], always_2d=True)
    assert rate == RATE and render.shape[1] == 2 and np.all(np.isfinite(render))

    model = load_model(stable_audio_path)
    gen = torch.Generator().manual_seed(0)
    latents = torch.randn((1, *model.latent_shape(model.min_latent_frames)), generator=gen)
    cond = model.condition(["hit"], None, 0.5).cond
    t = torch.tensor([0.6])
    with torch.no_grad():
        base = model.predict(latents, t, cond)
        lora.load(adapter / "lora", model.unet, "hits")
        lora.select(model.unet, "hits", 1.0)
        adapted = model.predict(latents, t, cond)
        lora.select(model.unet, "hits", 0.0)
        off = model.predict(latents, t, cond)
    assert (adapted - base).abs().max() > 1e-4
    torch.testing.assert_close(off, base, rtol=0, atol=0)


def test_stable_audio_trains_with_its_own_objective_and_other_families_with_ddpm(stable_audio_path, tiny_model_path):
    from soundloom.engine.models.stable_audio_training import v_diffusion_loss
    from soundloom.engine.training.diffusion_training import diffusion_loss

    model = load_model(stable_audio_path)
    latents = torch.randn((2, *model.latent_shape(6)), generator=torch.Generator().manual_seed(1))
    cond = model.condition(["hit", "hit"], None, 0.5).cond
    with torch.no_grad():
        own = model.training_loss(latents, cond, torch.Generator().manual_seed(2))
        expected = v_diffusion_loss(model, latents, cond, torch.Generator().manual_seed(2))
    torch.testing.assert_close(own, expected, rtol=0, atol=0)

    unet_model = load_model(tiny_model_path)
    latents = torch.randn((2, *unet_model.latent_shape(8)), generator=torch.Generator().manual_seed(1))
    cond = unet_model.condition(["hit", "hit"], None).cond
    with torch.no_grad():
        own = unet_model.training_loss(latents, cond, torch.Generator().manual_seed(2))
        schedule = unet_model._training_schedule
        expected = diffusion_loss(unet_model.unet, schedule, latents, cond, torch.Generator().manual_seed(2))
    assert schedule.config.prediction_type == unet_model.scheduler_config.get("prediction_type", "epsilon")
    torch.testing.assert_close(own, expected, rtol=0, atol=0)


def test_discodiff_trains_both_stages_the_fine_one_on_clean_coarse_levels(discodiff_path):
    model = load_model(discodiff_path)
    c = model.coarse_channels
    latents = torch.randn((2, *model.latent_shape(6)), generator=torch.Generator().manual_seed(1))
    cond = model.condition(["hit", "hit"], None).cond
    model.unet.requires_grad_(True)  # loaded frozen, for inference
    model.training_loss(latents, cond, torch.Generator().manual_seed(2)).backward()
    for stage in (model.unet.coarse, model.unet.fine):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in stage.parameters())

    # Same noise draws give the same loss; the fine stage is handed the coarse levels clean.
    seen = []
    hook = model.unet.fine.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    with torch.no_grad():
        a = model.training_loss(latents, cond, torch.Generator().manual_seed(3))
        b = model.training_loss(latents, cond, torch.Generator().manual_seed(3))
    hook.remove()
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert len(seen) == 2 and seen[0].shape == latents.shape
    torch.testing.assert_close(seen[0][:, :c], latents[:, :c], rtol=0, atol=0)
    assert not torch.allclose(seen[0][:, c:], latents[:, c:])  # the fine levels are noised


def test_discodiffs_objective_is_absolute_error_at_timesteps_drawn_toward_heavy_noise():
    from types import SimpleNamespace

    import torch.nn.functional as F
    from diffusers import DDPMScheduler

    from soundloom.engine.models.discodiff_schedule import importance_timesteps
    from soundloom.engine.training.diffusion_training import diffusion_loss

    drawn = importance_timesteps(1000, 20000, torch.Generator().manual_seed(0)).double() / 1000
    # sin(x·π/2) + 0.2 has mean 0.604 and puts 3.9 % below 0.1 (uniform draws: 0.5 and 10 %).
    assert 0.59 < drawn.mean() < 0.62 and 0.03 < (drawn < 0.1).double().mean() < 0.05

    # A denoiser that predicts nothing: the loss is then the mean absolute noise, not its mean square.
    schedule = DDPMScheduler(num_train_timesteps=1000)
    latents = torch.randn(4, 2, 8, generator=torch.Generator().manual_seed(1))
    silent = lambda noisy, t: SimpleNamespace(sample=torch.zeros_like(noisy))  # noqa: E731
    loss = diffusion_loss(silent, schedule, latents, {}, torch.Generator().manual_seed(2), error=F.l1_loss,
                          timesteps=importance_timesteps)
    noise = torch.randn(latents.shape, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(loss, noise.abs().mean())


def test_a_discodiff_adapter_trains_loads_and_switches_off_at_scale_zero(discodiff_path, stereo_library, tmp_path):
    adapter = tmp_path / "adapter"
    spec = _spec(stereo_library, adapter, discodiff_path, steps=3, validation_prompts=["hit"], validate_every=3)
    record = train_adapter(spec, load_model(discodiff_path), lambda event: None, lambda: False)
    assert record["state"] == "ready" and math.isfinite(record["loss"])
    render, rate = sf.read(record["validation"][0]["path"], always_2d=True)
    assert rate == RATE and render.shape[1] == 1 and np.all(np.isfinite(render))

    model = load_model(discodiff_path)
    latents = torch.randn((1, *model.latent_shape(6)), generator=torch.Generator().manual_seed(0))
    cond = model.condition(["hit"], None).cond
    coarse_t, fine_t = torch.tensor([model.offset + 40]), torch.tensor([40])

    def both() -> tuple[torch.Tensor, torch.Tensor]:
        return model.predict(latents, coarse_t, cond), model.predict(latents, fine_t, cond)

    with torch.no_grad():
        base = both()
        lora.load(adapter / "lora", model.unet, "hits")
        lora.select(model.unet, "hits", 1.0)
        adapted = both()
        lora.select(model.unet, "hits", 0.0)
        off = both()
    for stage in range(2):  # the adapter reaches both stages, and scale 0 is the base model exactly
        assert (adapted[stage] - base[stage]).abs().max() > 1e-4
        torch.testing.assert_close(off[stage], base[stage], rtol=0, atol=0)
