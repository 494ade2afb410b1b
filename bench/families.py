"""Engine generate vs each family's own diffusers pipeline, at equal steps, side by side in one run
(Tango, which has none that runs today, against its published inference loop written out here).

Each family's entry builds a random-weight model with the family's real layout (narrower
networks), loads it in the engine and in its diffusers pipeline, and returns two callables that
make the same sound (same prompt, seed, steps, guidance and sampler). Runs are interleaved and the
medians compared, because this machine's speed drifts. Prints engine / pipeline ratios (goal ≤ 1.0).

    nice -n 10 python -m soundloom.bench.families [--family stable_audio] [--steps 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import torch

warnings.filterwarnings("ignore")

Runs = tuple[Callable[[], object], Callable[[], object], str]  # engine, pipeline, description


def stable_audio(steps: int, seconds: float) -> Runs:
    """Stable Audio Open's shapes: 44.1 kHz stereo, hop 2048, 64 latent channels, 1024-frame window."""
    from diffusers import StableAudioPipeline

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained_stable_audio import build_untrained_stable_audio
    from soundloom.engine.pipelines import GenerateRequest, generate

    folder = build_untrained_stable_audio(Path(tempfile.mkdtemp()) / "stable-audio", "realistic")
    model = load_model(folder)
    pipe = StableAudioPipeline.from_pretrained(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    prompt = "soft rain on a window"

    def engine():
        return generate(model, GenerateRequest(prompt=prompt, seconds=seconds, steps=steps, seed=0, normalize="off", guidance=7.0))

    def pipeline():
        return pipe(prompt, audio_end_in_s=seconds, num_inference_steps=steps, guidance_scale=7.0,
                    generator=[torch.Generator().manual_seed(0)])

    return engine, pipeline, f"{seconds:g} s in the 47.55 s window, {steps} cosine DPM-Solver++ steps, guidance 7"


def audioldm2(steps: int, seconds: float) -> Runs:
    """AudioLDM 2's shapes: 16 kHz, 64 mels, hop 160, VAE compression 4, 8 latent channels, a
    four-level two-stream UNet, FLAN-T5 reading up to 512 tokens, 8 GPT-2 states."""
    from diffusers import AudioLDM2Pipeline
    from transformers import GPT2LMHeadModel

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained_audioldm2 import build_untrained_audioldm2
    from soundloom.engine.pipelines import GenerateRequest, generate

    folder = build_untrained_audioldm2(Path(tempfile.mkdtemp()) / "audioldm2", "realistic")
    model = load_model(folder)
    # The folder's GPT2Model lacks the generation helpers the pipeline calls in transformers 5;
    # the same weights as GPT2LMHeadModel have them.
    language_model = GPT2LMHeadModel.from_pretrained(folder / "language_model", local_files_only=True)
    pipe = AudioLDM2Pipeline.from_pretrained(folder, local_files_only=True, language_model=language_model)
    pipe.set_progress_bar_config(disable=True)
    prompt = "soft rain on a window"

    def engine():
        return generate(model, GenerateRequest(prompt=prompt, seconds=seconds, steps=steps, seed=0, normalize="off", guidance=3.5,
                                               scheduler="ddim"))

    def pipeline():
        return pipe(prompt, audio_length_in_s=seconds, num_inference_steps=steps, guidance_scale=3.5,
                    generator=torch.Generator().manual_seed(0))

    return engine, pipeline, f"{seconds:g} s, {steps} DDIM steps, guidance 3.5"


def musicldm(steps: int, seconds: float) -> Runs:
    """MusicLDM's shapes: 16 kHz, 64 mels, hop 160, VAE compression 4, 8 latent channels, a
    three-level UNet taking the CLAP text embedding as its class embedding."""
    from diffusers import MusicLDMPipeline

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained_musicldm import build_untrained_musicldm
    from soundloom.engine.pipelines import GenerateRequest, generate

    folder = build_untrained_musicldm(Path(tempfile.mkdtemp()) / "musicldm", preset="realistic")
    model = load_model(folder)
    pipe = MusicLDMPipeline.from_pretrained(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    prompt = "a cello playing a low sustained C"

    @torch.no_grad()
    def clap(text: str, length: int) -> torch.Tensor:
        # The pipeline's own text encoding, done here: under transformers 5 CLAP's get_text_features
        # returns an output object that the pipeline cannot use, so its embeddings are passed in.
        tokens = pipe.tokenizer([text], padding="max_length", max_length=length, truncation=True, return_tensors="pt")
        return pipe.text_encoder.get_text_features(tokens.input_ids, attention_mask=tokens.attention_mask).pooler_output

    def engine():
        return generate(model, GenerateRequest(prompt=prompt, seconds=seconds, steps=steps, seed=0, normalize="off", guidance=2.0,
                                               scheduler="ddim"))

    def pipeline():
        embeds = clap(prompt, pipe.tokenizer.model_max_length)
        return pipe(prompt_embeds=embeds, negative_prompt_embeds=clap("", embeds.shape[1]), audio_length_in_s=seconds,
                    num_inference_steps=steps, guidance_scale=2.0, generator=torch.Generator().manual_seed(0))

    return engine, pipeline, f"{seconds:g} s, {steps} DDIM steps, guidance 2"


def tango(steps: int, seconds: float) -> Runs:
    """Tango's release layout (T5 cross-attention, 8 latent channels, VAE compression 4, 16 kHz, 64 mels,
    hop 160, the published UNet's four levels) at narrow widths, against Tango's own inference loop
    (`AudioDiffusion.inference`, then the VAE and the vocoder) written out here over the same modules,
    since Tango's code does not run on today's diffusers and transformers."""
    import os

    from diffusers import DDIMScheduler

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.models.untrained_tango import build_untrained_tango, write_tango_dependencies
    from soundloom.engine.pipelines import GenerateRequest, common, generate

    root = Path(tempfile.mkdtemp())
    write_tango_dependencies(root / "hub")
    os.environ["HF_HUB_CACHE"] = str(root / "hub")  # where the release's FLAN-T5 and scheduler configs are
    model = load_model(build_untrained_tango(root / "tango", preset="realistic"))
    prompt, guidance = "soft rain on a window", 3.0
    frames = common.latent_frames(model, int(seconds * model.sample_rate))
    channels, width = model.latent_shape_per_frame

    def engine():
        return generate(model, GenerateRequest(prompt=prompt, seconds=seconds, steps=steps, seed=0, normalize="off", guidance=guidance,
                                               scheduler="ddim"))

    @torch.no_grad()
    def pipeline():
        tokenizer, t5 = model.tokenizer, model.text_encoder
        batch = tokenizer([prompt], max_length=tokenizer.model_max_length, padding=True, truncation=True,
                          return_tensors="pt")
        embeds = t5(input_ids=batch.input_ids, attention_mask=batch.attention_mask)[0]
        empty = tokenizer([""], max_length=embeds.shape[1], padding="max_length", truncation=True, return_tensors="pt")
        negative = t5(input_ids=empty.input_ids, attention_mask=empty.attention_mask)[0]
        embeds = torch.cat([negative, embeds])
        mask = torch.cat([empty.attention_mask, batch.attention_mask]) == 1
        scheduler = DDIMScheduler.from_config(model.scheduler_config)
        scheduler.set_timesteps(steps)
        latents = torch.randn((1, channels, frames, width), generator=torch.Generator().manual_seed(0))
        latents = latents * scheduler.init_noise_sigma
        for t in scheduler.timesteps:
            both = scheduler.scale_model_input(torch.cat([latents] * 2), t)
            uncond, cond = model.unet(both, t, encoder_hidden_states=embeds, encoder_attention_mask=mask).sample.chunk(2)
            latents = scheduler.step(uncond + guidance * (cond - uncond), t, latents).prev_sample
        mel = model.vae.decode(latents / model.vae.config.scaling_factor).sample
        return model.vocoder(mel.squeeze(1))

    return engine, pipeline, f"{seconds:g} s, {steps} DDIM steps, guidance {guidance:g}, Tango's loop written out"


FAMILIES: dict[str, Callable[[int, float], Runs]] = {
    "stable_audio": stable_audio, "audioldm2": audioldm2, "musicldm": musicldm, "tango": tango,
}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", choices=sorted(FAMILIES), action="append")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for name in args.family or sorted(FAMILIES):
        engine, pipeline, about = FAMILIES[name](args.steps, args.seconds)
        engine(), pipeline()  # warm-up
        times = {"engine": [], "pipeline": []}
        for _ in range(args.repeats):
            times["engine"].append(timed(engine))
            times["pipeline"].append(timed(pipeline))
        median = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name}: {about}; median of {args.repeats} interleaved runs, {torch.get_num_threads()} threads")
        print(f"  engine {median['engine']:.2f} s, pipeline {median['pipeline']:.2f} s, "
              f"engine / pipeline {median['engine'] / median['pipeline']:.3f}  (goal <= 1.0)")
        print(f"  engine compute per second of audio: {median['engine'] / args.seconds:.2f} s/s")


if __name__ == "__main__":
    main()
