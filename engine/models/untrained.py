"""Random-weight AudioLDM-format models, built offline from configs.

They exercise every code path (tests, benchmarks, a first run before any trained model exists)
and are saved and loaded exactly like a real checkpoint. They make noise, not sounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

# A few strings are enough to give a byte-level BPE tokenizer a working vocabulary.
_TOKENIZER_TEXT = [
    "a punchy kick drum", "soft rain on a window", "a cello playing a low sustained C",
    "a laser zap", "a man saying hello", "a rising sweep over two seconds", "door slam, wood",
    "footsteps on gravel", "a dog barking in the distance", "thunder and heavy rain",
]


@dataclass(frozen=True)
class Preset:
    """Widths of an untrained model; 16 kHz, 64 mel bins and hop 160 are AudioLDM's own shapes."""

    vae_channels: tuple[int, ...]
    latent_channels: int
    unet_channels: tuple[int, ...]
    text_width: int
    vocoder_channels: int


PRESETS = {
    # Small enough that a whole generate runs in well under a second on a CPU.
    "tiny": Preset(vae_channels=(8, 16), latent_channels=4, unet_channels=(8, 16), text_width=16, vocoder_channels=16),
    # AudioLDM's real layout (VAE compression 4, 8 latent channels, three UNet levels), narrow widths.
    "realistic": Preset(
        vae_channels=(16, 32, 32), latent_channels=8, unet_channels=(32, 64, 64), text_width=32, vocoder_channels=64
    ),
}


def _tokenizer(max_length: int):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        _TOKENIZER_TEXT, vocab_size=400, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in json.loads(bpe.to_str())["model"]["merges"]]
    return RobertaTokenizer(vocab=bpe.get_vocab(), merges=merges, model_max_length=max_length)


def _vocoder(preset: Preset):
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    config = SpeechT5HifiGanConfig(
        model_in_dim=64,
        sampling_rate=16000,
        upsample_initial_channel=preset.vocoder_channels,
        upsample_rates=[5, 4, 4, 2],  # product 160 = the hop
        upsample_kernel_sizes=[10, 8, 8, 4],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        normalize_before=False,
    )
    vocoder = SpeechT5HifiGan(config)
    # Random HiFi-GANs whisper at ~1e-9; scale the output layer so waveforms are audible-sized,
    # which keeps waveform comparisons in tests meaningful.
    with torch.no_grad():
        probe = vocoder(torch.randn(1, 50, 64))
        vocoder.conv_post.weight.mul_(0.3 / max(probe.std().item(), 1e-12))
        vocoder.conv_post.bias.zero_()
    return vocoder


def build_untrained_audioldm(folder: str | Path, preset: str = "tiny", seed: int = 0) -> Path:
    """Write a random-weight AudioLDM-format model folder and return its path."""
    from diffusers import AudioLDMPipeline, AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import ClapTextConfig, ClapTextModelWithProjection

    import diffusers
    import transformers

    # The pipeline class is used only as a writer of the standard folder layout; its
    # deprecation notice and shard progress bars are noise here.
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    p = PRESETS[preset]
    torch.manual_seed(seed)
    levels = len(p.vae_channels)
    vae = AutoencoderKL(
        in_channels=1,
        out_channels=1,
        block_out_channels=list(p.vae_channels),
        down_block_types=["DownEncoderBlock2D"] * levels,
        up_block_types=["UpDecoderBlock2D"] * levels,
        latent_channels=p.latent_channels,
        norm_num_groups=8,
        layers_per_block=1,
    )
    unet_levels = len(p.unet_channels)
    unet = UNet2DConditionModel(
        sample_size=128,
        in_channels=p.latent_channels,
        out_channels=p.latent_channels,
        block_out_channels=p.unet_channels,
        layers_per_block=1,
        norm_num_groups=8,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (unet_levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (unet_levels - 1) + ("UpBlock2D",),
        cross_attention_dim=p.unet_channels,
        attention_head_dim=4,
        class_embed_type="simple_projection",
        projection_class_embeddings_input_dim=p.text_width,
        class_embeddings_concat=True,
    )
    tokenizer = _tokenizer(max_length=77)
    text_encoder = ClapTextModelWithProjection(
        ClapTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=p.text_width,
            projection_dim=p.text_width,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=2 * p.text_width,
            max_position_embeddings=80,
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear",
        clip_sample=False, set_alpha_to_one=False, steps_offset=1,
    )
    pipeline = AudioLDMPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler, vocoder=_vocoder(p)
    )
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    (folder / "README.md").write_text(
        f"# Untrained AudioLDM-format model ({preset})\n\nRandom weights (seed {seed}). It produces noise, "
        "not sounds: it exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder


def build_untrained_starter(folder: str | Path, seed: int = 0) -> Path:
    """Write a tiny random-weight starter-format folder (real MiniLM text encoder, Griffin-Lim)."""
    from diffusers import AutoencoderKL, DPMSolverMultistepScheduler, UNet2DConditionModel

    from soundloom.engine.models.mel import MelConfig
    from soundloom.engine.models.starter import save_starter
    from soundloom.engine.models.starter_text import ConditioningConfig

    torch.manual_seed(seed)
    vae = AutoencoderKL(
        in_channels=1, out_channels=1, block_out_channels=[8, 16], down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2, latent_channels=4, norm_num_groups=8, layers_per_block=1,
    )
    unet = UNet2DConditionModel(
        sample_size=64, in_channels=4, out_channels=4, block_out_channels=(16, 32), layers_per_block=1,
        norm_num_groups=8, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=384, attention_head_dim=8,
    )
    scheduler = DPMSolverMultistepScheduler(beta_schedule="scaled_linear", beta_start=0.0015, beta_end=0.0195)
    conditioning = ConditioningConfig(sentence_token=True, pitch_token=True)
    return save_starter(folder, vae, unet, scheduler, MelConfig(), griffin_lim_iterations=4, conditioning=conditioning)


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.models.untrained FOLDER [--preset tiny|realistic] [--seed N]`."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a random-weight AudioLDM-format model folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build_untrained_audioldm(args.folder, args.preset, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
