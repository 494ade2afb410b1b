"""Random-weight DiscoDiff folders (`DiscoDiffPipeline` layout), built offline.

Like `untrained`, they load exactly like a trained folder and exercise every code path; they make
noise, not music. The codec is a small DAC with the real model's rate; the text encoder a small T5.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_44KHZ, DACConfig
from soundloom.engine.models.discodiff_codec import DiscoDiffCodec
from soundloom.engine.models.untrained_stable_audio import t5_tokenizer

# DiscoDiff's noise schedule: 100 DDPM steps on the cosine schedule, v-prediction.
DISCODIFF_SCHEDULER = {
    "num_train_timesteps": 100, "beta_schedule": "squaredcos_cap_v2", "prediction_type": "v_prediction",
    "clip_sample": False, "variance_type": "fixed_small",
}


@dataclass(frozen=True)
class Preset:
    codec: DACConfig
    coarse_levels: int
    sample_size: int  # training window, in latent frames
    layers: int
    heads: int
    head_dim: int
    text_width: int


PRESETS = {
    # A whole two-stage generate of half a second runs in well under a second on a CPU.
    "tiny": Preset(
        codec=DACConfig(encoder_dim=4, encoder_rates=(4, 4, 8), decoder_dim=32, decoder_rates=(8, 4, 4),
                        n_codebooks=3, codebook_size=32, codebook_dim=8),
        coarse_levels=1, sample_size=64, layers=1, heads=2, head_dim=8, text_width=16,
    ),
    # The published codec's shape (9 levels × 8 = 72 channels, hop 512) with narrow transformers (about
    # 1 M parameters each: both together about as many as the realistic untrained AudioLDM's UNet).
    "realistic": Preset(codec=DAC_44KHZ, coarse_levels=1, sample_size=896, layers=3, heads=2, head_dim=64, text_width=64),
}


def _denoiser(p: Preset, in_channels: int, out_channels: int):
    from diffusers import StableAudioDiTModel

    return StableAudioDiTModel(
        sample_size=p.sample_size, in_channels=in_channels, num_layers=p.layers, attention_head_dim=p.head_dim,
        num_attention_heads=p.heads, num_key_value_attention_heads=max(1, p.heads // 2), out_channels=out_channels,
        cross_attention_dim=p.heads * p.head_dim, time_proj_dim=32, global_states_input_dim=p.text_width,
        cross_attention_input_dim=p.text_width,
    )


def build_untrained_discodiff(folder: str | Path, preset: str = "tiny", seed: int = 0, codec_levels: int | None = None) -> Path:
    """Write a random-weight DiscoDiff folder and return its path.

    `codec_levels` builds the codec with another level count than the models (a broken folder, for tests).
    """
    import diffusers
    import transformers
    from diffusers import DDPMScheduler
    from transformers import T5Config, T5EncoderModel

    diffusers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # its shard progress bars are noise here
    p = PRESETS[preset]
    torch.manual_seed(seed)
    dim = p.codec.codebook_dim
    channels = p.codec.n_codebooks * dim
    coarse = p.coarse_levels * dim
    codec_config = p.codec if codec_levels is None else DACConfig(**{**p.codec.to_kwargs(), "n_codebooks": codec_levels})
    tokenizer = t5_tokenizer()
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=len(tokenizer), d_model=p.text_width, d_kv=8, d_ff=2 * p.text_width, num_layers=2,
                 num_heads=2, relative_attention_num_buckets=8, pad_token_id=tokenizer.pad_token_id,
                 eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id)
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _denoiser(p, coarse, coarse).save_pretrained(folder / "coarse_transformer")
    _denoiser(p, channels, channels - coarse).save_pretrained(folder / "fine_transformer")
    DiscoDiffCodec(DAC(codec_config).eval()).save_pretrained(folder / "codec")
    text_encoder.save_pretrained(folder / "text_encoder")
    tokenizer.save_pretrained(folder / "tokenizer")
    DDPMScheduler(**DISCODIFF_SCHEDULER).save_pretrained(folder / "scheduler")
    index = {
        "_class_name": "DiscoDiffPipeline",
        "coarse_transformer": ["diffusers", "StableAudioDiTModel"],
        "fine_transformer": ["diffusers", "StableAudioDiTModel"],
        "codec": ["soundloom", "DiscoDiffCodec"],
        "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"],
        "scheduler": ["diffusers", "DDPMScheduler"],
    }
    (folder / "model_index.json").write_text(json.dumps(index, indent=2))
    (folder / "README.md").write_text(
        f"# Untrained DiscoDiff-format model ({preset})\n\nRandom weights (seed {seed}). It produces noise, not "
        "music: it exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.models.untrained_discodiff FOLDER [--preset tiny|realistic] [--seed N]`."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a random-weight DiscoDiff-format model folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build_untrained_discodiff(args.folder, args.preset, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
