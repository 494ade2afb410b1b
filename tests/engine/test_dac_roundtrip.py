"""Audio through the DAC and back: encode, quantise with n levels, decode.

Random weights do not code audio, and DAC's quantiser only shrinks the residual level by level once
its codebooks are trained, so the coding tests first fit the quantiser to the encoder's latents of a
recording (the encoder and decoder stay random, which is all the coding property needs). Training it by
gradient descent takes thousands of steps on this scale, so the fit is done in closed form, the way
a trained quantiser ends up (test_dac_quantizer.py checks that gradient training gets there too).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_TINY
from soundloom.protocol.errors import ErrorCode, SoundloomError

RATE = 44100


def plucked_notes(seconds: float = 0.25) -> np.ndarray:
    """Four decaying harmonic notes (A2, E3, A3, C#4), like a plucked string."""
    t = np.arange(int(RATE * seconds)) / RATE
    out = np.zeros_like(t)
    for i, f0 in enumerate((110.0, 164.8, 220.0, 277.2)):
        start = i * seconds / 4
        on = t >= start
        local = t[on] - start
        out[on] += sum(np.exp(-(3 + h) * local) * np.sin(2 * np.pi * f0 * h * local) / h for h in range(1, 7))
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> torch.Tensor:
    path = tmp_path_factory.mktemp("audio") / "notes.flac"
    sf.write(path, plucked_notes(), RATE, subtype="PCM_16")
    audio, rate = sf.read(path, dtype="float32")
    assert rate == RATE
    return torch.from_numpy(audio)[None, None]


def fit_level(level, residual: torch.Tensor, iterations: int = 10) -> None:
    """Give one level the codebook a trained one converges to, in closed form.

    The projections span the residual's principal directions and the codebook holds the means of
    the frames that pick each entry (spherical k-means): each entry then sits where its frames are,
    which is what makes a level shrink the residual it is given.
    """
    frames = residual[0].t()  # [F, latent_dim]
    directions = torch.linalg.svd(frames, full_matrices=False).Vh[: level.codebook.embedding_dim]  # [dim, latent_dim]
    level.in_proj.weight = directions[:, :, None]
    level.out_proj.weight = directions.t()[:, :, None]
    level.in_proj.bias.zero_()
    level.out_proj.bias.zero_()
    projected = frames @ directions.t()
    level.codebook.weight.copy_(projected[torch.randperm(len(projected))[: level.codebook.num_embeddings]])
    for _ in range(iterations):
        codes = level.nearest(projected.t()[None])[0]
        for entry in codes.unique():
            level.codebook.weight[entry] = projected[codes == entry].mean(dim=0)


@torch.no_grad()
def fit_quantizer(model: DAC, z: torch.Tensor) -> None:
    residual = z
    for level in model.quantizer.quantizers:
        fit_level(level, residual)
        residual = residual - level(residual)[0]


@pytest.fixture(scope="module")
def codec() -> DAC:
    torch.manual_seed(0)
    return DAC(DAC_TINY).eval()


@pytest.fixture(scope="module")
def fitted(recording) -> tuple[DAC, torch.Tensor]:
    """A tiny codec whose quantiser is fitted to the latents of the recording, and those latents."""
    torch.manual_seed(0)
    model = DAC(DAC_TINY)
    with torch.no_grad():
        z = model.encode(recording)
    fit_quantizer(model, z)
    return model.eval(), z


def test_encode_pads_to_whole_frames_and_decode_gives_frames_times_hop(codec, recording):
    clip = recording[..., :1000]
    with torch.no_grad():
        z = codec.encode(clip)
        audio = codec.decode(codec.quantize(z, 2).z_q)
        again = codec(clip, 2)
    assert z.shape == (1, DAC_TINY.latent_dim, 32)  # ⌈1000 / 32⌉
    assert audio.shape == (1, 1, 32 * 32) and again.shape == clip.shape
    assert torch.isfinite(audio).all() and audio.abs().max() <= 1
    torch.testing.assert_close(again, audio[..., :1000])


def test_each_level_codes_what_the_earlier_ones_missed(fitted):
    codec, z = fitted
    with torch.no_grad():
        residuals = [z.norm().item()] + [(z - codec.quantize(z, n).z_q).norm().item() for n in range(1, codec.n_levels + 1)]
    assert all(later < earlier for earlier, later in zip(residuals, residuals[1:])), residuals


def test_decoded_audio_approaches_the_unquantised_decoding_as_levels_are_added(fitted):
    codec, z = fitted
    with torch.no_grad():
        target = codec.decode(z)
        errors = [(codec.decode(codec.quantize(z, n).z_q) - target).norm().item() for n in range(1, codec.n_levels + 1)]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:])), errors


@pytest.mark.parametrize("audio", [torch.zeros(1, 100), torch.zeros(1, 2, 100), torch.zeros(1, 1, 0), torch.zeros(1, 1, 9, dtype=torch.int16)])
def test_audio_that_is_not_mono_float_batches_is_refused(codec, audio):
    with pytest.raises(SoundloomError) as error:
        codec.encode(audio)
    assert error.value.code == ErrorCode.INVALID_ARGUMENT and error.value.field == "audio"
