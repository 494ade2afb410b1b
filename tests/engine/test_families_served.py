"""Every model family served by the real daemon and driven through the SDK.

AudioLDM 2, MusicLDM, a Tango release, Stable Audio Open and DiscoDiff are each listed with their
family, native rate and channels; each generates variations at its own rate and channel count; each
inpaints a 44.1 kHz stereo clip, keeping every sample outside the region in both channels (a mono
model fills the region with one signal on both channels and the SDK raises the engine's warning
saying so; a stereo model regenerates the two channels apart), transfers it and extends it. A LoRA
adapter trained through the SDK on each family is then used by name and changes what it makes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from soundloom.protocol.messages import CROSSFADE_SECONDS
from soundloom.sdk import Client
from tests.conftest import Daemon

pytestmark = pytest.mark.slow

RATE = 44100
FAMILIES = {  # folder name → (family, native rate in Hz, channels)
    "tiny-stable-audio": ("stable_audio", 44100, 2),
    "discodiff-tiny": ("discodiff", 44100, 1),
    "musicldm-tiny": ("musicldm", 16000, 1),
    "tiny-audioldm2": ("audioldm2", 16000, 1),
    "tango-tiny": ("tango", 16000, 1),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory, stable_audio_path, discodiff_path, musicldm_path, audioldm2_path, tango_release_path,
           tango_hub_cache):
    # The daemon (and the training processes it starts) inherit HF_HUB_CACHE from `tango_hub_cache`:
    # the Tango release's FLAN-T5 and scheduler configs are found there.
    root = tmp_path_factory.mktemp("engine")
    models = root / "models"
    models.mkdir()
    for folder in (discodiff_path, musicldm_path, audioldm2_path, tango_release_path):
        (models / folder.name).symlink_to(folder, target_is_directory=True)
    # float32, so that the kept samples and the stereo comparison do not depend on the CPU's bf16 support.
    daemon = Daemon(root, stable_audio_path, "--models-dir", str(models), "--precision", "fp32")
    daemon.start()
    try:
        with Client.connect(daemon.connection_file, start=False, timeout=120) as connected:
            yield connected
    finally:
        daemon.stop()


def _stereo_clip(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    noise = 0.02 * np.random.default_rng(0).standard_normal((2, t.size))
    return (np.stack([0.3 * np.sin(2 * np.pi * 220 * t), 0.3 * np.sin(2 * np.pi * 330 * t)]) + noise).astype(np.float32)


def test_each_family_is_listed_with_its_rate_and_channels(client):
    listed = {m["name"]: m for m in client.models.list()}
    for name, expected in FAMILIES.items():
        assert (listed[name]["family"], listed[name]["sample_rate"], listed[name]["channels"]) == expected


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_operation_through_the_sdk(client, name):
    family, rate, channels = FAMILIES[name]
    made = client.generate("rain on a window", seconds=0.5, steps=2, seed=1, variations=2, model=name, timeout=300)
    assert [(a.samples.shape, a.sample_rate) for a in made] == [((channels, int(0.5 * rate)), rate)] * 2
    assert np.abs(made[0].samples).max() > 0 and not np.allclose(made[0].samples, made[1].samples)

    clip = _stereo_clip(0.6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fixed = client.inpaint((clip, RATE), "a laser zap", [(0.2, 0.4)], steps=2, seed=2, model=name, timeout=300)
    keep = np.ones(clip.shape[1], dtype=bool)
    keep[round(0.2 * RATE) : round(0.4 * RATE)] = False
    out = fixed.samples
    assert out.shape == clip.shape and fixed.sample_rate == RATE
    assert np.array_equal(out[:, keep], clip[:, keep])  # bit-identical outside the region, per channel
    assert np.abs(out[:, ~keep] - clip[:, ~keep]).mean() > 1e-3
    # Past the crossfades at the region's edges, only what the model made is heard.
    made_only = slice(round(0.2 * RATE) + round(CROSSFADE_SECONDS * RATE), round(0.4 * RATE) - round(CROSSFADE_SECONDS * RATE))
    mono_notes = [w for w in caught if "mono" in str(w.message)]
    if channels == 1:
        assert np.array_equal(out[0, made_only], out[1, made_only]) and mono_notes
    else:
        assert not np.allclose(out[0, made_only], out[1, made_only]) and not mono_notes

    moved = client.transfer((clip, RATE), "wind", 0.5, steps=2, seed=3, model=name, timeout=300)
    assert moved.samples.shape == clip.shape and not np.allclose(moved.samples, clip, atol=1e-3)
    longer = client.extend((clip, RATE), "wind", 0.5, steps=2, seed=4, model=name, timeout=300)
    assert longer.samples.shape == (2, clip.shape[1] + int(0.5 * RATE))
    assert np.array_equal(longer.samples[:, : clip.shape[1]], clip)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_an_adapter_trained_through_the_sdk_changes_what_the_family_makes(client, name, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    t = np.arange(RATE) / RATE
    for i in range(3):
        hit = 0.5 * np.sin(2 * np.pi * 110 * (i + 1) * t) * np.exp(-6 * t)
        sf.write(library / f"Hit_{i:02d}.wav", np.stack([hit, 0.5 * hit], axis=1).astype(np.float32), RATE)
    adapter = f"hits-{FAMILIES[name][0]}"
    trained = client.finetune(library, name=adapter, model=name, steps=2, batch_size=2, learning_rate=1e-2,
                              validation_prompts=[], checkpoint_every=2).result(timeout=600)
    assert trained["model"] == f"{name}+{adapter}" and trained["steps"] == 2
    base = client.generate("a hit", seconds=0.5, steps=2, seed=3, model=name, timeout=300)
    adapted = client.generate("a hit", seconds=0.5, steps=2, seed=3, model=trained["model"], timeout=300)
    assert adapted.samples.shape == base.samples.shape
    assert np.abs(adapted.samples - base.samples).max() > 1e-4 * np.abs(base.samples).max()
