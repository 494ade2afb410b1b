"""Random-weight AudioLDM 2-format models, built offline from configs.

The folder has the layout of a real AudioLDM 2 checkpoint in diffusers' format (CLAP, FLAN-T5
encoder, projection model, GPT-2, AudioLDM 2 UNet, mel VAE, HiFi-GAN), with the language model
named `GPT2Model` as real folders name it. Tokenizers are built from a few strings, so nothing is
downloaded. The models make noise, not sounds: they exist to run every code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from soundloom.engine.models.untrained import _TOKENIZER_TEXT, _tokenizer as _roberta_tokenizer

LANGUAGE_OF_AUDIO_STATES = 8  # the GPT-2 states AudioLDM 2 generates per prompt


@dataclass(frozen=True)
class Preset:
    """Widths and depths of an untrained AudioLDM 2; rates in Hz."""

    vae_channels: tuple[int, ...]
    latent_channels: int
    unet_channels: tuple[int, ...]
    layers_per_block: int
    text_width: int  # CLAP, T5 and GPT-2 widths alike
    text_layers: int
    vocoder_channels: int
    sample_rate: int = 16000
    n_mels: int = 64
    upsample_rates: tuple[int, ...] = (5, 4, 2, 2, 2)  # product = the mel hop
    t5_max_tokens: int = 32


PRESETS = {
    # Small enough that a whole generate runs in well under a second on a CPU.
    "tiny": Preset(
        vae_channels=(8, 16), latent_channels=4, unet_channels=(8, 16), layers_per_block=1,
        text_width=16, text_layers=1, vocoder_channels=32,
    ),
    # AudioLDM 2's real layout (VAE compression 4, 8 latent channels, four UNet levels with two
    # resnets each, three attention layers per transformer block), narrow widths.
    "realistic": Preset(
        vae_channels=(16, 32, 32), latent_channels=8, unet_channels=(32, 64, 96, 128), layers_per_block=2,
        text_width=64, text_layers=2, vocoder_channels=64, t5_max_tokens=512,
    ),
    # The 48 kHz layout: same components, 256 mel bins and a 480-sample hop.
    "tiny-48k": Preset(
        vae_channels=(8, 16), latent_channels=4, unet_channels=(8, 16), layers_per_block=1,
        text_width=16, text_layers=1, vocoder_channels=32, sample_rate=48000, n_mels=256,
        upsample_rates=(6, 5, 4, 2, 2),
    ),
}


def _t5_tokenizer(max_length: int):
    """A T5 (unigram) tokenizer whose vocabulary is the words and letters of a few strings."""
    from transformers import T5TokenizerFast

    words = sorted({w for text in _TOKENIZER_TEXT for w in text.replace(",", " ,").split()})
    letters = sorted({c for text in _TOKENIZER_TEXT for c in text if not c.isspace()})
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(f"▁{w}", -5.0) for w in words] + [(c, -8.0) for c in letters]
    return T5TokenizerFast(vocab=vocab, extra_ids=0, model_max_length=max_length)


def _vocoder(p: Preset):
    from transformers import SpeechT5HifiGan, SpeechT5HifiGanConfig

    config = SpeechT5HifiGanConfig(
        model_in_dim=p.n_mels,
        sampling_rate=p.sample_rate,
        upsample_initial_channel=p.vocoder_channels,
        upsample_rates=list(p.upsample_rates),
        upsample_kernel_sizes=[2 * r for r in p.upsample_rates],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        normalize_before=False,
    )
    vocoder = SpeechT5HifiGan(config)
    # Random HiFi-GANs whisper; scale the output layer so waveforms are audible-sized, which keeps
    # waveform comparisons in tests meaningful.
    with torch.no_grad():
        probe = vocoder(torch.randn(1, 50, p.n_mels))
        vocoder.conv_post.weight.mul_(0.3 / max(probe.std().item(), 1e-12))
        vocoder.conv_post.bias.zero_()
    return vocoder


def _clap(p: Preset, tokenizer):
    from transformers import ClapAudioConfig, ClapConfig, ClapModel, ClapTextConfig

    text = ClapTextConfig(
        vocab_size=len(tokenizer), hidden_size=p.text_width, num_hidden_layers=p.text_layers, num_attention_heads=2,
        intermediate_size=2 * p.text_width, max_position_embeddings=tokenizer.model_max_length + 3,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    # The audio tower is only used to rank waveforms against text; keep it as small as it goes.
    audio = ClapAudioConfig(
        spec_size=64, window_size=4, num_mel_bins=16, patch_embeds_hidden_size=8, hidden_size=16,
        depths=[1, 1], num_attention_heads=[1, 1], patch_stride=[4, 4], patch_size=4, projection_hidden_size=16,
    )
    return ClapModel(ClapConfig(text_config=text.to_dict(), audio_config=audio.to_dict(), projection_dim=p.text_width))


def _unet(p: Preset):
    from diffusers.pipelines.audioldm2.modeling_audioldm2 import AudioLDM2UNet2DConditionModel

    levels = len(p.unet_channels)
    # Per transformer block: an extra self-attention (None), then cross-attention to the GPT-2
    # states, then to the T5 states, as in AudioLDM 2's own UNet.
    attention = [None, p.text_width, p.text_width]
    return AudioLDM2UNet2DConditionModel(
        sample_size=128,
        in_channels=p.latent_channels,
        out_channels=p.latent_channels,
        block_out_channels=p.unet_channels,
        layers_per_block=p.layers_per_block,
        norm_num_groups=8,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (levels - 1) + ("UpBlock2D",),
        cross_attention_dim=[attention] * levels,
        attention_head_dim=4,
    )


def build_untrained_audioldm2(
    folder: str | Path, preset: str = "tiny", seed: int = 0, prediction_type: str = "epsilon"
) -> Path:
    """Write a random-weight AudioLDM 2-format model folder and return its path."""
    import diffusers
    from diffusers import AudioLDM2Pipeline, AutoencoderKL, DDIMScheduler
    from diffusers.pipelines.audioldm2.modeling_audioldm2 import AudioLDM2ProjectionModel
    from transformers import ClapFeatureExtractor, GPT2Config, GPT2Model, T5Config, T5EncoderModel

    import transformers

    # The pipeline class is used only as a writer of the standard folder layout; its notices and
    # per-file progress bars are noise here.
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    p = PRESETS[preset]
    torch.manual_seed(seed)
    levels = len(p.vae_channels)
    vae = AutoencoderKL(
        in_channels=1, out_channels=1, block_out_channels=list(p.vae_channels),
        down_block_types=["DownEncoderBlock2D"] * levels, up_block_types=["UpDecoderBlock2D"] * levels,
        latent_channels=p.latent_channels, norm_num_groups=8, layers_per_block=1,
    )
    tokenizer = _roberta_tokenizer(max_length=77)
    tokenizer_2 = _t5_tokenizer(max_length=p.t5_max_tokens)
    text_encoder_2 = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer_2), d_model=p.text_width, d_kv=8, d_ff=2 * p.text_width,
            num_layers=p.text_layers, num_heads=2, relative_attention_num_buckets=8,
            feed_forward_proj="gated-gelu", pad_token_id=tokenizer_2.pad_token_id, eos_token_id=tokenizer_2.eos_token_id,
        )
    )
    language_model = GPT2Model(
        GPT2Config(
            n_embd=p.text_width, n_layer=p.text_layers, n_head=2, n_positions=p.t5_max_tokens + 64, vocab_size=8,
            max_new_tokens=LANGUAGE_OF_AUDIO_STATES, bos_token_id=None, eos_token_id=None,
        )
    )
    projection_model = AudioLDM2ProjectionModel(
        text_encoder_dim=p.text_width, text_encoder_1_dim=p.text_width, langauge_model_dim=p.text_width
    )
    with torch.no_grad():  # learned SOS/EOS embeddings; ones everywhere would hide ordering mistakes
        for name in ("sos_embed", "eos_embed", "sos_embed_1", "eos_embed_1"):
            getattr(projection_model, name).normal_()
    scheduler = DDIMScheduler(
        beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear", clip_sample=False,
        set_alpha_to_one=False, steps_offset=1, prediction_type=prediction_type,
    )
    pipeline = AudioLDM2Pipeline(
        vae=vae, text_encoder=_clap(p, tokenizer), text_encoder_2=text_encoder_2, projection_model=projection_model,
        language_model=language_model, tokenizer=tokenizer, tokenizer_2=tokenizer_2,
        feature_extractor=ClapFeatureExtractor(), unet=_unet(p), scheduler=scheduler, vocoder=_vocoder(p),
    )
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    (folder / "README.md").write_text(
        f"# Untrained AudioLDM 2-format model ({preset})\n\nRandom weights (seed {seed}). It produces noise, "
        "not sounds: it exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder


def main(argv: list[str] | None = None) -> int:
    """`python -m soundloom.engine.models.untrained_audioldm2 FOLDER [--preset …] [--seed N]`."""
    import argparse

    parser = argparse.ArgumentParser(description="Write a random-weight AudioLDM 2-format model folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prediction-type", choices=["epsilon", "v_prediction"], default="epsilon")
    args = parser.parse_args(argv)
    print(build_untrained_audioldm2(args.folder, args.preset, args.seed, args.prediction_type))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
