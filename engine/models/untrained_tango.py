"""Random-weight Tango models in Tango's own release layout, built offline.

The folder is what a Tango release looks like on disk (`main_config.json`, `vae_config.json`,
`stft_config.json`, `pytorch_model_main.bin`, `pytorch_model_vae.bin` with an LDM-named VAE and a
HiFi-GAN-named vocoder), so loading it exercises every rename. The FLAN-T5 config and tokenizer
and the Stable Diffusion 2.1 scheduler config it names are written separately into a Hugging Face
cache layout (`write_tango_dependencies`), where a real Tango finds them.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from soundloom.engine.models.untrained import _TOKENIZER_TEXT

TEXT_ENCODER_ID = "google/flan-t5-large"
SCHEDULER_ID = "stabilityai/stable-diffusion-2-1"

# Stable Diffusion 2.1's scheduler config (the noise schedule Tango trains and samples with).
SD21_SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}

STFT_CONFIG = {
    "filter_length": 1024, "hop_length": 160, "win_length": 1024, "n_mel_channels": 64,
    "sampling_rate": 16000, "mel_fmin": 0, "mel_fmax": 8000,
}

# Tango's vae_config.json (AudioLDM's first-stage settings plus its scale factor) with narrow widths:
# compression 4 and 8 latent channels as in the release.
VAE_CONFIG = {
    "monitor": "val/rec_loss", "image_key": "fbank", "subband": 1, "embed_dim": 8, "time_shuffle": 1, "scale_factor": 0.9,
    "ddconfig": {
        "double_z": True, "z_channels": 8, "resolution": 256, "downsample_time": False, "in_channels": 1,
        "out_ch": 1, "ch": 32, "ch_mult": [1, 1, 2], "num_res_blocks": 1, "attn_resolutions": [], "dropout": 0.0,
    },
}


@dataclass
class TangoComponents:
    """The diffusers/transformers modules a tiny Tango is made of, before renaming to Tango's layout."""

    tokenizer: Any
    text_encoder: Any
    unet: Any
    vae: Any
    vocoder: Any


def t5_tokenizer(max_length: int = 32):
    """A T5 (Unigram) tokenizer from a word list: whole words, then single characters as a fallback."""
    from transformers import T5Tokenizer

    words = sorted({w.strip(",.").lower() for text in _TOKENIZER_TEXT for w in text.split()})
    chars = sorted({c for w in words for c in w})
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [("▁" + w, -1.0) for w in words] + [(c, -3.0) for c in chars]
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=max_length)


# UNet block layouts: "tiny" runs a whole generate in well under a second; "realistic" has the published
# UNet's four levels, two layers per block and attention on the upper three (narrow widths).
UNET_PRESETS = {
    "tiny": dict(block_out_channels=(32, 64), layers_per_block=1, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D")),
    "realistic": dict(block_out_channels=(32, 64, 64, 64), layers_per_block=2,
                      down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                      up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3),
}


def tiny_tango_components(seed: int = 0, preset: str = "tiny") -> TangoComponents:
    """Random-weight modules with Tango's layout (T5 cross-attention, 8 latent channels, VAE compression 4);
    `preset` picks the UNet's block layout (UNET_PRESETS)."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig, T5Config, T5EncoderModel

    from soundloom.engine.models.tango_checkpoint import vae_config_from_ldm
    from soundloom.engine.models.tango_published import VOCODER

    torch.manual_seed(seed)
    tokenizer = t5_tokenizer()
    text_encoder = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
            feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        )
    )
    unet = UNet2DConditionModel(
        sample_size=[32, 2], in_channels=8, out_channels=8, norm_num_groups=8, cross_attention_dim=32,
        attention_head_dim=4, use_linear_projection=True, upcast_attention=True, flip_sin_to_cos=True, freq_shift=0,
        **UNET_PRESETS[preset],
    )
    vae = AutoencoderKL(**vae_config_from_ldm(VAE_CONFIG))
    vocoder = SpeechT5HifiGan(
        SpeechT5HifiGanConfig(
            model_in_dim=64, sampling_rate=16000, upsample_initial_channel=64,
            upsample_rates=VOCODER["upsample_rates"], upsample_kernel_sizes=[16, 16, 8, 4, 4],
            resblock_kernel_sizes=[3], resblock_dilation_sizes=VOCODER["resblock_dilation_sizes"][:1],
            leaky_relu_slope=VOCODER["leaky_relu_slope"], normalize_before=False,
        )
    )
    # Random HiFi-GANs whisper at ~1e-9; scale the output layer so waveform comparisons mean something.
    with torch.no_grad():
        probe = vocoder(torch.randn(1, 50, 64))
        vocoder.conv_post.weight.mul_(0.3 / max(probe.std().item(), 1e-12))
    for module in (text_encoder, unet, vae, vocoder):
        module.eval()
    return TangoComponents(tokenizer, text_encoder, unet, vae, vocoder)


def _ldm_vae_key(key: str, levels: int) -> str:
    """diffusers AutoencoderKL name → the LDM name Tango's checkpoint uses."""
    parts = key.split(".")
    side, rest = parts[0], parts[1:]
    if rest[0] == "down_blocks":  # encoder.down_blocks.i.{resnets.j|downsamplers.0}
        i = rest[1]
        rest = ["down", i, "block", *rest[3:]] if rest[2] == "resnets" else ["down", i, "downsample", *rest[4:]]
    elif rest[0] == "up_blocks":  # decoder.up_blocks.i counts from the deepest level
        i = str(levels - 1 - int(rest[1]))
        rest = ["up", i, "block", *rest[3:]] if rest[2] == "resnets" else ["up", i, "upsample", *rest[4:]]
    elif rest[0] == "mid_block":
        if rest[1] == "resnets":
            rest = ["mid", f"block_{int(rest[2]) + 1}", *rest[3:]]
        else:  # attentions.0.{group_norm|to_q|to_k|to_v|to_out.0}
            names = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out": "proj_out"}
            tail = rest[3:]
            rest = ["mid", "attn_1", names[tail[0]], tail[-1]]
    elif rest[0] == "conv_norm_out":
        rest = ["norm_out", *rest[1:]]
    return ".".join([side, *rest]).replace("conv_shortcut", "nin_shortcut")


def ldm_vae_state(vae) -> dict[str, torch.Tensor]:
    """The VAE's weights under LDM names, attention projections as 1×1 convolutions."""
    levels = len(vae.config.block_out_channels)
    state = {}
    for key, value in vae.state_dict().items():
        if key.startswith(("quant_conv", "post_quant_conv")):
            state[key] = value
            continue
        name = _ldm_vae_key(key, levels)
        if ".attn_1." in name and name.endswith(".weight") and value.dim() == 2:
            value = value[:, :, None, None]
        state[name] = value.clone()
    return state


def tango_vocoder_state(vocoder) -> dict[str, torch.Tensor]:
    """The vocoder's weights under the HiFi-GAN names Tango uses (weight norm folded in)."""
    return {
        ("ups." + k[len("upsampler."):] if k.startswith("upsampler.") else k): v.clone()
        for k, v in vocoder.state_dict().items()
        if k not in ("mean", "scale")
    }


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2))


def build_untrained_tango(folder: str | Path, seed: int = 0, unet_config_in_folder: bool = True,
                          preset: str = "tiny") -> Path:
    """Write a random-weight Tango release folder and return its path (`preset`: see UNET_PRESETS).

    With `unet_config_in_folder` the UNet config sits beside the weights and `main_config.json` names
    it; otherwise it names Tango's source-tree path, which a release folder does not contain.
    """
    parts = tiny_tango_components(seed, preset)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    unet_config = {k: v for k, v in dict(parts.unet.config).items() if not k.startswith("_")}
    config_path = "configs/diffusion_model_config.json"
    if unet_config_in_folder:
        config_path = "unet_config.json"
        _write_json(folder / config_path, {"_class_name": "UNet2DConditionModel", **unet_config})
    _write_json(folder / "main_config.json", {
        "text_encoder_name": TEXT_ENCODER_ID, "scheduler_name": SCHEDULER_ID, "unet_model_name": None,
        "unet_model_config_path": config_path, "snr_gamma": 5.0, "freeze_text_encoder": True, "uncondition": False,
    })
    _write_json(folder / "vae_config.json", VAE_CONFIG)
    _write_json(folder / "stft_config.json", STFT_CONFIG)
    main = {f"unet.{k}": v for k, v in parts.unet.state_dict().items()}
    main.update({f"text_encoder.{k}": v for k, v in parts.text_encoder.state_dict().items()})
    torch.save(main, folder / "pytorch_model_main.bin")
    vae = ldm_vae_state(parts.vae)
    vae.update({f"vocoder.{k}": v for k, v in tango_vocoder_state(parts.vocoder).items()})
    torch.save(vae, folder / "pytorch_model_vae.bin")
    (folder / "README.md").write_text(
        f"# Untrained Tango-format model\n\nRandom weights (seed {seed}) in Tango's release layout. It produces "
        "noise, not sounds: it exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder


def write_tango_dependencies(cache_dir: str | Path, seed: int = 0) -> None:
    """Put the tiny FLAN-T5 (config, tokenizer) and SD 2.1 scheduler config into a hub cache layout."""
    from soundloom.engine.models.hf_cache import add_folder_to_cache

    parts = tiny_tango_components(seed)
    with tempfile.TemporaryDirectory() as scratch:
        t5 = Path(scratch) / "t5"
        parts.text_encoder.config.save_pretrained(t5)
        parts.tokenizer.save_pretrained(t5)
        add_folder_to_cache(t5, TEXT_ENCODER_ID, Path(cache_dir))
        sd = Path(scratch) / "sd"
        (sd / "scheduler").mkdir(parents=True)
        _write_json(sd / "scheduler" / "scheduler_config.json", SD21_SCHEDULER_CONFIG)
        add_folder_to_cache(sd, SCHEDULER_ID, Path(cache_dir))
