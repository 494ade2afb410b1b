"""The coarse-to-fine latent space on DAC: split by levels, standardise, and back to a decodable latent."""

from __future__ import annotations

import pytest
import torch

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_TINY
from soundloom.engine.codecs.dac_latents import (
    DISCODIFF_COARSE_LEVELS,
    DISCODIFF_LEVEL_MEANS,
    DISCODIFF_LEVEL_STDS,
    denormalize_latents,
    join_levels,
    level_statistics,
    normalize_latents,
    split_levels,
)
from soundloom.protocol.errors import ErrorCode, SoundloomError

DIM = DAC_TINY.codebook_dim


@pytest.fixture(scope="module")
def codec() -> DAC:
    torch.manual_seed(0)
    return DAC(DAC_TINY).eval()


@pytest.fixture(scope="module")
def audio() -> torch.Tensor:
    t = torch.arange(2048) / DAC_TINY.sample_rate
    return (0.4 * torch.sin(2 * torch.pi * 220 * t) + 0.2 * torch.sin(2 * torch.pi * 660 * t))[None, None]


def test_coarse_and_fine_levels_split_and_join_back(codec, audio):
    with torch.no_grad():
        latents = codec.quantize(codec.encode(audio)).latents
    coarse, fine = split_levels(latents, 1, DIM)
    assert coarse.shape[1] == DIM and fine.shape[1] == (DAC_TINY.n_codebooks - 1) * DIM
    assert torch.equal(join_levels(coarse, fine), latents)


def test_coarse_levels_alone_decode_as_quantising_with_that_many_levels(codec, audio):
    with torch.no_grad():
        z = codec.encode(audio)
        for k in (1, 2):
            coarse, fine = split_levels(codec.quantize(z).latents, k, DIM)
            torch.testing.assert_close(codec.latents_to_z(coarse), codec.quantize(z, k).z_q)
        # Fine levels generated for given coarse ones complete the latent, as in coarse-to-fine sampling.
        torch.testing.assert_close(codec.latents_to_z(join_levels(coarse, fine)), codec.quantize(z).z_q)


def test_generated_latents_are_snapped_to_codebook_entries_before_decoding(codec, audio):
    with torch.no_grad():
        quantized = codec.quantize(codec.encode(audio))
        # The lookup compares directions only, so a latent off in scale still lands on the same entries.
        nearby = quantized.latents * 1.3
        torch.testing.assert_close(codec.latents_to_z(nearby), quantized.z_q)
        decoded = codec.decode(codec.latents_to_z(nearby))
    assert decoded.shape == (1, 1, 2048) and torch.isfinite(decoded).all()


def test_standardising_each_level_is_undone_exactly_and_leaves_the_input_alone():
    torch.manual_seed(0)
    latents = torch.randn(2, 9 * 8, 10) * 4 + 0.5
    copy = latents.clone()
    normalized = normalize_latents(latents)
    assert torch.equal(latents, copy)
    torch.testing.assert_close(denormalize_latents(normalized), latents)
    level = 3
    expected = (latents[:, 24:32] - DISCODIFF_LEVEL_MEANS[level]) / DISCODIFF_LEVEL_STDS[level]
    torch.testing.assert_close(normalized[:, 24:32], expected)


def test_measured_statistics_standardise_a_codecs_own_latents(codec, audio):
    with torch.no_grad():
        latents = codec.quantize(codec.encode(audio)).latents
    means, stds = level_statistics(latents, DIM)
    assert len(means) == len(stds) == DAC_TINY.n_codebooks
    standardized = normalize_latents(latents, means, stds, DIM)
    again_means, again_stds = level_statistics(standardized, DIM)
    assert again_means == pytest.approx([0.0] * 4, abs=1e-5) and again_stds == pytest.approx([1.0] * 4, abs=1e-5)


def test_discodiff_generates_the_first_level_coarse_of_nine():
    assert DISCODIFF_COARSE_LEVELS == 1 and len(DISCODIFF_LEVEL_MEANS) == len(DISCODIFF_LEVEL_STDS) == 9


@pytest.mark.parametrize("k", [0, DAC_TINY.n_codebooks])
def test_a_split_must_leave_levels_on_both_sides(k):
    with pytest.raises(SoundloomError) as error:
        split_levels(torch.zeros(1, DAC_TINY.n_codebooks * DIM, 3), k, DIM)
    assert error.value.code == ErrorCode.OUT_OF_RANGE and error.value.field == "k"


def test_latents_that_are_not_whole_levels_are_refused():
    with pytest.raises(SoundloomError) as error:
        normalize_latents(torch.zeros(1, 13, 3))
    assert error.value.field == "latents"
    with pytest.raises(SoundloomError) as error:
        join_levels(torch.zeros(1, 8, 3), torch.zeros(1, 8, 4))
    assert error.value.field == "fine"
