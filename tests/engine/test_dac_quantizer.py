"""DAC's residual vector quantiser: nearest-direction lookup, prefixes of levels, codes and latents back to z_q."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_TINY
from soundloom.engine.codecs.dac_quantizer import ResidualVectorQuantizer
from soundloom.protocol.errors import ErrorCode, SoundloomError


@pytest.fixture(scope="module")
def codec() -> DAC:
    torch.manual_seed(0)
    return DAC(DAC_TINY).eval()


@pytest.fixture(scope="module")
def z() -> torch.Tensor:
    torch.manual_seed(1)
    return torch.randn(2, DAC_TINY.latent_dim, 12)


def test_codes_are_the_entries_closest_in_direction(codec, z):
    level = codec.quantizer.quantizers[0]
    with torch.no_grad():
        quantized = codec.quantize(z, 1)
        latent = level.in_proj(z)
    entries = F.normalize(level.codebook.weight, dim=-1)
    for b in range(z.shape[0]):
        for f in range(z.shape[2]):
            similarity = entries @ F.normalize(latent[b, :, f], dim=0)
            assert quantized.codes[b, 0, f] == similarity.argmax()
    torch.testing.assert_close(quantized.latents, latent)


def test_fewer_levels_are_a_prefix_of_more_levels(codec, z):
    with torch.no_grad():
        two, every = codec.quantize(z, 2), codec.quantize(z)
    assert two.codes.shape == (2, 2, 12) and every.codes.shape == (2, DAC_TINY.n_codebooks, 12)
    assert torch.equal(two.codes, every.codes[:, :2])
    torch.testing.assert_close(two.latents, every.latents[:, : 2 * DAC_TINY.codebook_dim])


def test_codes_and_latents_both_give_back_the_quantised_latent(codec, z):
    with torch.no_grad():
        for n in (1, 3, DAC_TINY.n_codebooks):
            quantized = codec.quantize(z, n)
            torch.testing.assert_close(codec.codes_to_z(quantized.codes), quantized.z_q)
            torch.testing.assert_close(codec.latents_to_z(quantized.latents), quantized.z_q)


def test_unsnapped_latents_are_projected_as_they_are(codec, z):
    with torch.no_grad():
        latents = codec.quantize(z, 2).latents
        levels = codec.quantizer.quantizers
        expected = sum(levels[i].out_proj(latents[:, 4 * i : 4 * i + 4]) for i in range(2))
        torch.testing.assert_close(codec.latents_to_z(latents, snap=False), expected)
        assert not torch.allclose(expected, codec.latents_to_z(latents))


def test_trained_levels_each_shrink_the_residual():
    # Gradient training with a different level count at every step (as quantiser dropout does)
    # on latents of rank 6, more than one 4-channel level can code.
    torch.manual_seed(0)
    rvq = ResidualVectorQuantizer(latent_dim=16, n_codebooks=4, codebook_size=32, codebook_dim=4)
    mixing = torch.randn(16, 6)

    def batch():
        return torch.einsum("cd,bdf->bcf", mixing, torch.randn(8, 6, 50))

    optimizer = torch.optim.Adam(rvq.parameters(), lr=0.02)
    for step in range(100):
        z = batch()
        quantized = rvq(z, step % 4 + 1)
        loss = (z - quantized.z_q).pow(2).mean() + 0.25 * quantized.commitment_loss + quantized.codebook_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        z = batch()
        residuals = [z.norm().item()] + [(z - rvq(z, n).z_q).norm().item() for n in range(1, 5)]
    assert all(later < earlier for earlier, later in zip(residuals, residuals[1:])), residuals


def test_training_losses_pull_latents_and_entries_towards_each_other_separately(z):
    torch.manual_seed(0)
    level = DAC(DAC_TINY).quantizer.quantizers[0]
    _, codes, latent, commitment, codebook = level(z)
    expected = F.mse_loss(latent, level.entries(codes))
    torch.testing.assert_close(commitment, expected)
    torch.testing.assert_close(codebook, expected)
    # The commitment loss moves only the encoder side, the codebook loss only the entries.
    in_proj = level.in_proj.parametrizations.weight.original1
    assert torch.autograd.grad(commitment, level.codebook.weight, allow_unused=True)[0] is None
    assert torch.autograd.grad(commitment, in_proj, retain_graph=True)[0].abs().sum() > 0
    assert torch.autograd.grad(codebook, in_proj, allow_unused=True, retain_graph=True)[0] is None
    assert torch.autograd.grad(codebook, level.codebook.weight)[0].abs().sum() > 0


@pytest.mark.parametrize("n_levels", [0, DAC_TINY.n_codebooks + 1, True, 1.5])
def test_a_level_count_out_of_range_is_refused(codec, z, n_levels):
    with pytest.raises(SoundloomError) as error:
        codec.quantize(z, n_levels)
    assert error.value.code == ErrorCode.OUT_OF_RANGE and error.value.field == "n_levels"
    assert f"1 to {DAC_TINY.n_codebooks}" in error.value.message


def test_bad_codes_and_latents_are_refused(codec):
    with pytest.raises(SoundloomError) as error:
        codec.codes_to_z(torch.full((1, 2, 5), DAC_TINY.codebook_size))
    assert error.value.code == ErrorCode.OUT_OF_RANGE and error.value.field == "codes"
    with pytest.raises(SoundloomError) as error:
        codec.latents_to_z(torch.zeros(1, DAC_TINY.codebook_dim + 1, 5))
    assert error.value.field == "latents"
    with pytest.raises(SoundloomError) as error:
        codec.decode(torch.zeros(1, 3, 5))
    assert error.value.field == "z_q"
