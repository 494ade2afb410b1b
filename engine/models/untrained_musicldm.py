"""Random-weight MusicLDM-format models, built offline from configs and saved in diffusers' layout.

Same widths as the untrained AudioLDM of the same preset (16 kHz, 64 mels, hop 160); the text
encoder is a full CLAP model (text and audio towers) as in a real MusicLDM folder.
"""

from __future__ import annotations

from pathlib import Path

import torch

from soundloom.engine.models.untrained import PRESETS, _tokenizer, _vocoder


def build_untrained_musicldm(folder: str | Path, seed: int = 0, preset: str = "tiny") -> Path:
    """Write a random-weight MusicLDM-format folder and return its path ("tiny", or "realistic":
    MusicLDM's own layout, VAE compression 4, 8 latent channels, three UNet levels, narrow widths)."""
    import diffusers
    import transformers
    from diffusers import AutoencoderKL, DDIMScheduler, MusicLDMPipeline, UNet2DConditionModel
    from transformers import ClapAudioConfig, ClapConfig, ClapFeatureExtractor, ClapModel, ClapTextConfig

    # The deprecated pipeline class only writes the standard folder layout here.
    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    p = PRESETS[preset]
    torch.manual_seed(seed)
    levels, unet_levels = len(p.vae_channels), len(p.unet_channels)
    vae = AutoencoderKL(
        in_channels=1, out_channels=1, block_out_channels=list(p.vae_channels),
        down_block_types=["DownEncoderBlock2D"] * levels, up_block_types=["UpDecoderBlock2D"] * levels,
        latent_channels=p.latent_channels, norm_num_groups=8, layers_per_block=1,
    )
    unet = UNet2DConditionModel(
        sample_size=128, in_channels=p.latent_channels, out_channels=p.latent_channels,
        block_out_channels=p.unet_channels, layers_per_block=1, norm_num_groups=8,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (unet_levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (unet_levels - 1) + ("UpBlock2D",),
        cross_attention_dim=p.unet_channels, attention_head_dim=4, class_embed_type="simple_projection",
        projection_class_embeddings_input_dim=p.text_width, class_embeddings_concat=True,
    )
    tokenizer = _tokenizer(max_length=77)
    text_config = ClapTextConfig(
        vocab_size=len(tokenizer), hidden_size=p.text_width, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=2 * p.text_width, max_position_embeddings=80, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    audio_config = ClapAudioConfig(
        spec_size=64, window_size=4, num_mel_bins=64, intermediate_size=32, depths=[1, 1],
        num_attention_heads=[2, 2], num_hidden_layers=2, hidden_size=32, patch_embeds_hidden_size=16,
        patch_size=2, patch_stride=2, patch_embed_input_channels=4,
    )
    text_encoder = ClapModel(ClapConfig(text_config=text_config.to_dict(), audio_config=audio_config.to_dict(), projection_dim=p.text_width))
    scheduler = DDIMScheduler(
        beta_start=0.0015, beta_end=0.0195, beta_schedule="scaled_linear",
        clip_sample=False, set_alpha_to_one=False, steps_offset=1,
    )
    pipeline = MusicLDMPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, feature_extractor=ClapFeatureExtractor(),
        unet=unet, scheduler=scheduler, vocoder=_vocoder(p),
    )
    folder = Path(folder)
    pipeline.save_pretrained(folder)
    (folder / "README.md").write_text(
        f"# Untrained MusicLDM-format model\n\nRandom weights (seed {seed}). It produces noise, not music: it "
        "exists to run every code path without downloading a real checkpoint.\n"
    )
    return folder
