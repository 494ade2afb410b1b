"""Tango's release weights renamed into diffusers' and transformers' classes.

`pytorch_model_main.bin` holds `unet.*` (already a diffusers UNet2DConditionModel) and
`text_encoder.*` (a transformers T5EncoderModel). `pytorch_model_vae.bin` holds an LDM-style VAE
(`encoder.down.0.block.0…`, renamed by diffusers' own single-file converter) and `vocoder.*`, a
HiFi-GAN whose layers map one to one onto transformers' SpeechT5HifiGan.
"""

from __future__ import annotations

from typing import Any

import torch

from soundloom.engine.models.tango_published import VOCODER


def split_prefix(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The entries under `prefix.` with the prefix removed."""
    head = prefix + "."
    return {k[len(head):]: v for k, v in state.items() if k.startswith(head)}


def vae_config_from_ldm(vae_config: dict[str, Any]) -> dict[str, Any]:
    """diffusers AutoencoderKL arguments for Tango's `vae_config.json` (LDM `ddconfig`, `embed_dim`, `scale_factor`)."""
    dd = vae_config["ddconfig"]
    if int(vae_config["embed_dim"]) != int(dd["z_channels"]):
        raise ValueError(f"embed_dim {vae_config['embed_dim']} differs from z_channels {dd['z_channels']}")
    if int(vae_config.get("subband", 1)) != 1 or dd.get("attn_resolutions"):
        raise ValueError("subband decomposition and attention outside the middle block are not supported")
    levels = len(dd["ch_mult"])
    return {
        "in_channels": int(dd["in_channels"]),
        "out_channels": int(dd["out_ch"]),
        "block_out_channels": [int(dd["ch"]) * int(m) for m in dd["ch_mult"]],
        "down_block_types": ["DownEncoderBlock2D"] * levels,
        "up_block_types": ["UpDecoderBlock2D"] * levels,
        "latent_channels": int(dd["z_channels"]),
        "layers_per_block": int(dd["num_res_blocks"]),
        "norm_num_groups": 32,  # LDM's Normalize is GroupNorm(32)
        "sample_size": int(dd.get("resolution", 256)),
        "scaling_factor": float(vae_config.get("scale_factor", 1.0)),
    }


def vae_from_ldm(state: dict[str, torch.Tensor], vae_config: dict[str, Any]):
    """A diffusers AutoencoderKL holding Tango's VAE weights (the `vocoder.*` entries are ignored)."""
    from diffusers import AutoencoderKL
    from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint

    config = vae_config_from_ldm(vae_config)
    ldm = {k: v for k, v in state.items() if not k.startswith("vocoder.")}
    vae = AutoencoderKL(**config)
    vae.load_state_dict(convert_ldm_vae_checkpoint(ldm, config), strict=True)
    return vae


def vocoder_state_to_speecht5(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """HiFi-GAN names (`ups.i`) → SpeechT5HifiGan names (`upsampler.i`); weight norm is already folded in."""
    renamed = {}
    for key, value in state.items():
        if key.endswith(("weight_g", "weight_v")):
            raise ValueError(f"vocoder weight {key} still carries weight normalisation")
        renamed["upsampler." + key[len("ups."):] if key.startswith("ups.") else key] = value
    return renamed


def vocoder_config_from_state(state: dict[str, torch.Tensor], sample_rate: int) -> dict[str, Any]:
    """SpeechT5HifiGanConfig arguments: widths and kernel sizes from the weights, strides from Tango's settings."""
    ups = sorted({int(k.split(".")[1]) for k in state if k.startswith("ups.")})
    resblocks = sorted({int(k.split(".")[1]) for k in state if k.startswith("resblocks.")})
    kernels_per_level = len(resblocks) // len(ups)
    if len(ups) != len(VOCODER["upsample_rates"]):
        raise ValueError(f"the vocoder has {len(ups)} upsampling layers; Tango's HiFi-GAN has {len(VOCODER['upsample_rates'])}")
    return {
        "model_in_dim": int(state["conv_pre.weight"].shape[1]),
        "sampling_rate": int(sample_rate),
        "upsample_initial_channel": int(state["conv_pre.weight"].shape[0]),
        "upsample_rates": list(VOCODER["upsample_rates"]),
        "upsample_kernel_sizes": [int(state[f"ups.{i}.weight"].shape[2]) for i in ups],
        "resblock_kernel_sizes": [int(state[f"resblocks.{j}.convs1.0.weight"].shape[2]) for j in range(kernels_per_level)],
        "resblock_dilation_sizes": [list(d) for d in VOCODER["resblock_dilation_sizes"][:kernels_per_level]],
        "leaky_relu_slope": VOCODER["leaky_relu_slope"],
        "normalize_before": False,
    }


def vocoder_from_tango(state: dict[str, torch.Tensor], sample_rate: int):
    """A transformers SpeechT5HifiGan holding Tango's vocoder weights (given without the `vocoder.` prefix)."""
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    config = SpeechT5HifiGanConfig(**vocoder_config_from_state(state, sample_rate))
    vocoder = SpeechT5HifiGan(config)
    renamed = vocoder_state_to_speecht5(state)
    # SpeechT5's input normalisation buffers are unused (normalize_before=False); keep its identity values.
    renamed.setdefault("mean", vocoder.mean.clone())
    renamed.setdefault("scale", vocoder.scale.clone())
    vocoder.load_state_dict(renamed, strict=True)
    return vocoder
