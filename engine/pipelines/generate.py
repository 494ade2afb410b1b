"""Text to audio, for one request or for several compatible ones run as one batch."""

from __future__ import annotations

from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.pipelines import common
from soundloom.engine.pipelines.requests import ANY_LENGTH, GenerateRequest
from soundloom.engine.pipelines.result import Result
from soundloom.engine.pipelines.sampling import StepCallback, denoise
from soundloom.engine.pipelines.schedulers import scheduler_for
from soundloom.engine.models.prompt_pitch import prompt_pitch
from soundloom.engine.pipelines.level import normalize
from soundloom.engine.pipelines.tuning import tune


def batch_key(request: GenerateRequest) -> tuple:
    """Requests with equal keys can share one batch: same length, schedule, guidance and adapter scale."""
    return (round(request.seconds, 6), request.steps, request.scheduler, request.guidance, request.adapter_scale)


def generate(model: AudioModel, request: GenerateRequest, on_step: StepCallback | None = None) -> Result:
    """`request.variations` clips of `request.seconds` seconds at the model's rate and channels."""
    return generate_batch(model, [request], on_step)[0]


def generate_batch(
    model: AudioModel, requests: list[GenerateRequest], on_step: StepCallback | None = None
) -> list[Result]:
    """Run requests with equal `batch_key` through the UNet together; one Result per request.

    Each request keeps its own prompt, negative prompt, seeds and variations, so its result is
    what it would be alone (up to float rounding of the batched arithmetic).
    """
    for request in requests:
        request.validate(ANY_LENGTH)
        request.resolve_steps(model.default_steps)
    if len({batch_key(r) for r in requests}) != 1:
        raise ValueError("requests in one batch must share seconds, steps, scheduler and guidance")
    first = requests[0]
    samples = int(first.seconds * model.sample_rate)
    frames = common.latent_frames(model, samples)
    gens = [g for r in requests for g in common.generators(r.resolved_seed(), r.variations, model.device)]
    scheduler = scheduler_for(model, first.scheduler)
    scheduler.set_timesteps(first.steps, device=model.device)
    # Encoded one request at a time so that each keeps its own warnings (text encoding is cheap).
    per_request = [common.conditioning(model, r, first.seconds) for r in requests]
    cond = Conditioning.stack(per_request)
    repeats = [r.variations for r in requests]
    latents = common.noise(model, frames, gens) * scheduler.init_noise_sigma
    latents = denoise(model, scheduler, latents, scheduler.timesteps, cond, first.guidance, gens, on_step, repeats=repeats)
    audio = common.decode_clips(model, latents, samples)
    results, row = [], 0
    for request, encoded in zip(requests, per_request):
        clips = list(audio[row : row + request.variations])
        row += request.variations
        metadata = common.metadata(model, request, "generate")
        target = prompt_pitch(request.prompt) if request.tune else None
        if target is not None:
            for i, clip in enumerate(clips):
                clips[i], cents = tune(clip, model.sample_rate, target)
                metadata[i]["tuned_cents"] = None if cents is None else round(cents, 1)
        for i, clip in enumerate(clips):
            clips[i], metadata[i]["gain_db"] = normalize(clip, model.sample_rate, request.normalize)
        results.append(Result(audio=clips, sample_rate=model.sample_rate, metadata=metadata, warnings=encoded.warnings))
    return results
