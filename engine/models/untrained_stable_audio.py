"""Random-weight Stable Audio Open folders, built offline in diffusers' `StableAudioPipeline` layout.

Like `untrained`, they exercise every code path and load exactly like a real checkpoint; they
make noise, not sounds. The T5 tokenizer is a unigram model over a small word list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

_WORDS = (
    "a punchy kick drum soft rain on window cello playing low sustained laser zap man saying hello "
    "rising sweep over two seconds door slam wood footsteps gravel dog barking in the distance "
    "thunder and heavy wind bell synth pad bass guitar piano noise"
).split()


@dataclass(frozen=True)
class Preset:
    """Widths of an untrained Stable Audio model; rate and channels are the real model's."""

    downsampling_ratios: tuple[int, ...]  # their product is the hop: waveform samples per latent frame
    vae_width: int  # the decoder's width
    latent_channels: int
    sample_size: int  # the transformer's training length, in latent frames
    layers: int
    heads: int
    head_dim: int
    text_width: int


PRESETS = {
    # Small enough that a whole generate runs in well under a second on a CPU (window: 0.56 s).
    "tiny": Preset(downsampling_ratios=(4, 8, 16), vae_width=8, latent_channels=8, sample_size=48,
                   layers=2, heads=2, head_dim=8, text_width=16),
    # Stable Audio Open's shapes (hop 2048, 64 latent channels, 1024 frames = 47.55 s) with a
    # shallower, narrower transformer and VAE.
    "realistic": Preset(downsampling_ratios=(2, 4, 4, 8, 8), vae_width=16, latent_channels=64, sample_size=1024,
                        layers=4, heads=4, head_dim=64, text_width=64),
}


def t5_tokenizer(words=_WORDS, max_length: int = 32):
    """A T5 tokenizer over `words` (a unigram vocabulary built in memory, nothing downloaded)."""
    from transformers import T5Tokenizer

    specials = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces = [("▁" + w, -float(i + 1)) for i, w in enumerate(dict.fromkeys(words))]
    letters = [(c, -100.0) for c in sorted({c for w in words for c in w})]
    return T5Tokenizer(vocab=specials + pieces + letters + [("▁", -50.0)], extra_ids=0, model_max_length=max_length)


def build_untrained_stable_audio(folder: str | Path, preset: str = "tiny", seed: int = 0) -> Path:
    """Write a random-weight Stable Audio Open-format folder and return its path."""
    import diffusers
    import transformers
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from transformers import T5Config, T5EncoderModel

    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()  # its shard progress bars are noise here
    p = PRESETS[preset]
    torch.manual_seed(seed)
    levels = len(p.downsampling_ratios)
    vae = AutoencoderOobleck(
        encoder_hidden_size=2 * p.latent_channels,  # the encoder emits mean and scale per latent channel
        downsampling_ratios=list(p.downsampling_ratios),
        channel_multiples=[min(2**i, 4) for i in range(levels)],
        decoder_channels=p.vae_width,
        decoder_input_channels=p.latent_channels,
        audio_channels=2,
        sampling_rate=44100,
    )
    tokenizer = t5_tokenizer()
    text_encoder = T5EncoderModel(
        T5Config(vocab_size=len(tokenizer), d_model=p.text_width, d_kv=8, d_ff=2 * p.text_width, num_layers=2,
                 num_heads=2, relative_attention_num_buckets=8, pad_token_id=tokenizer.pad_token_id,
                 eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id)
    )
    width = p.heads * p.head_dim
    projection = StableAudioProjectionModel(
        text_encoder_dim=p.text_width, conditioning_dim=width, min_value=0, max_value=512
    )
    transformer = StableAudioDiTModel(
        sample_size=p.sample_size,
        in_channels=p.latent_channels,
        num_layers=p.layers,
        attention_head_dim=p.head_dim,
        num_attention_heads=p.heads,
        num_key_value_attention_heads=max(1, p.heads // 2),
        out_channels=p.latent_channels,
        cross_attention_dim=width,
        time_proj_dim=32,
        global_states_input_dim=2 * width,
        cross_attention_input_dim=width,
    )
    # Stable Audio Open's own sampler settings.
    scheduler = CosineDPMSolverMultistepScheduler(
        sigma_min=0.3, sigma_max=500, sigma_data=1.0, sigma_schedule="exponential", solver_order=2,
        prediction_type="v_prediction", rho=7.0, final_sigmas_type="zero",
    )
    pipeline = StableAudioPipeline(
        vae=vae, text_encoder=text_encoder, projection_model=projection, tokenizer=tokenizer,
        transformer=transformer, scheduler=scheduler,
    )
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    (folder / "README.md").write_text(
        f"# Untrained Stable Audio Open-format model ({preset})\n\nRandom weights (seed {seed}). It produces "
        "noise, not sounds: it exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.models.untrained_stable_audio FOLDER [--preset tiny|realistic] [--seed N]`."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a random-weight Stable Audio Open-format model folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build_untrained_stable_audio(args.folder, args.preset, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
