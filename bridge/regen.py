"""Regenerate regions of a file as new takes: the Python API behind `soundloom regen`, the OSC/MIDI
listener and the DAW scripts.

    from soundloom.bridge.regen import regen, again, next_variation

    takes = regen("vox.wav", ["1.2:2.45"], "breathy whisper", seed=7)   # -> [Take(path=vox.take-1.wav, …)]
    again("vox.wav")            # the same prompt, regions and seed: the same take again
    next_variation("vox.wav")   # the same prompt and regions, the next seed

`on_progress(fraction, message)` is called with 0.0–1.0 and a one-line message as work advances
(from the client's I/O thread while the engine runs: keep it short). `client` is a connected
`soundloom.sdk.Client`; None connects to the user's engine, starting one if none runs, and closes
it afterwards.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from soundloom.bridge import sidecar
from soundloom.bridge.clip import ClipFormat, check_settled, read_float, read_format
from soundloom.bridge.errors import BridgeError
from soundloom.bridge.loop import fade_frames, fit_frames, make_loop
from soundloom.bridge.provenance import adapter_of
from soundloom.bridge.regions import Region, as_region, check_regions, join_close
from soundloom.bridge.takes import _check_folder, next_take_path, replace_in_place, write_take
from soundloom.protocol.errors import ErrorCode
from soundloom.protocol.messages import MAX_CLIP_SECONDS, MAX_INPAINT_AUDIO_SECONDS, MAX_INPAINT_CLIP_SECONDS, RANGES
from soundloom.sdk.audio_file import check_output_path, resample, write_audio

ProgressCallback = Callable[[float, str], None]
MAX_VARIATIONS = 16
SEED_MODULUS = 2**32
# Audio sent around the regions of a file longer than a plain clip, each side: more than the
# engine's own window of context around a region, so a long take need not travel whole.
CONTEXT_SECONDS = 20.0
_ENGINE_SHARE = (0.05, 0.9)  # the part of the progress bar the engine's steps fill


@dataclass
class Take:
    """A take written by the bridge: its file, the seed and prompt that made it, the regenerated
    regions (seconds) and the file it was made from; `backup` is the saved original when the take
    also replaced its parent in place."""

    path: Path
    seed: int
    prompt: str
    regions: list[Region]
    parent: Path
    backup: Path | None = None
    metadata: dict = field(default_factory=dict)


def _report(on_progress: ProgressCallback | None, fraction: float, message: str) -> None:
    if on_progress is not None:
        on_progress(fraction, message)


def _window(regions: list[Region], fmt: ClipFormat, variations: int) -> tuple[int, int]:
    """[first, stop) frames of the source sent to the engine: the whole file when it is no longer
    than the engine's plain clip limit, else the regions with up to CONTEXT_SECONDS around them (the
    engine regenerates each region from a window of context anyway, so a long take need not travel)."""
    rate = fmt.samplerate
    if fmt.seconds <= MAX_CLIP_SECONDS:
        return 0, fmt.frames
    longest = min(MAX_INPAINT_CLIP_SECONDS, MAX_INPAINT_AUDIO_SECONDS / variations)
    span = regions[-1].end - regions[0].start
    if span > longest:
        raise BridgeError(f"the regions span {span:.2f} s from the first start to the last end; allowed: up to "
                          f"{longest:g} s in one regen with {variations} variation(s) (split it in several)", "region",
                          ErrorCode.OUT_OF_RANGE)
    context = min(CONTEXT_SECONDS, (longest - span) / 2)
    length = min(math.ceil((span + 2 * context) * rate), int(longest * rate), fmt.frames)
    # Near an end of the file, the context lost on that side goes to the other.
    first = min(max(0, math.floor((regions[0].start - context) * rate)), fmt.frames - length)
    return first, first + length


def _state(path: Path) -> tuple[int, int]:
    """Size and modification time (ns): what changes when a program rewrites the file."""
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _stored_parent(parent: Path, folder: Path) -> str:
    parent = Path(os.path.abspath(parent))
    return parent.name if parent.parent == Path(os.path.abspath(folder)) else str(parent)


def _connect(client):
    if client is not None:
        return client, False
    from soundloom.sdk.client import Client

    return Client.connect(), True


def _check_ranges(**values) -> None:
    """Sampling settings within the engine's ranges, checked before an engine is asked (or started)."""
    for name, value in values.items():
        if value is None:
            continue
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise BridgeError(f"{value!r} is out of range; allowed: {low:g} to {high:g}", name, ErrorCode.OUT_OF_RANGE)


def _check_options(variations: int, in_place: bool, seed: int | None) -> None:
    if not isinstance(variations, int) or not 1 <= variations <= MAX_VARIATIONS:
        raise BridgeError(f"{variations!r} is out of range; allowed: 1 to {MAX_VARIATIONS}", "variations",
                          ErrorCode.OUT_OF_RANGE)
    if in_place and variations != 1:
        raise BridgeError(f"--in-place replaces the file with one take; allowed: 1 variation, got {variations}",
                          "in_place")
    if seed is not None and (not isinstance(seed, int) or not 0 <= seed < SEED_MODULUS):
        raise BridgeError(f"{seed!r} is out of range; allowed: 0 to {SEED_MODULUS - 1}", "seed", ErrorCode.OUT_OF_RANGE)


def regen(source, regions, prompt: str, *, variations: int = 1, seed: int | None = None, negative_prompt: str = "",
          model: str | None = None, adapter_scale: float | None = None, steps: int | None = None,
          guidance: float | None = None, in_place: bool = False, client=None,
          on_progress: ProgressCallback | None = None, output_dir=None, bpm: float | None = None,
          time_signature: str = "4/4", scheduler: str | None = None, settle_s: float = 0.5,
          _original=None) -> list[Take]:
    """Regenerate `regions` of the audio file `source` after `prompt`; one new take per variation.

    `regions`: Regions, (start_s, end_s) pairs, or region strings (`"1.25:2.5"`; bars/beats such
    as `"3.1:5.1"` when `bpm` is given, see soundloom.bridge.regions). `seed` 0–2**32−1 (None: the
    engine draws one; variation i uses seed + i); `variations` 1–16; `steps`, `guidance`,
    `scheduler`, `model`, `adapter_scale` as in `Client.inpaint` (None: the engine's defaults).
    Takes are `<stem>.take-<k><suffix>` beside `source` (or in `output_dir`), in the source's exact
    format, with every sample outside the regions bit-identical. `in_place` (one variation) then
    also replaces `source` by the take after keeping a backup (`Take.backup`). `settle_s`: how long
    the file must stay unchanged before it is read (a DAW may still be writing it).
    Raises BridgeError (bad input: `bad_input` True) or the SDK's errors (engine failures).
    """
    source = Path(source)
    _check_options(variations, in_place, seed)
    _check_ranges(steps=steps, guidance=guidance, adapter_scale=adapter_scale)
    if not isinstance(prompt, str) or not prompt.strip():
        raise BridgeError("give a prompt: what the regions should become", "prompt")
    _report(on_progress, 0.0, f"checking {source.name}")
    fmt = read_format(source)
    asked = check_regions([as_region(r, bpm=bpm, time_signature=time_signature, field=f"region[{i}]")
                           for i, r in enumerate(regions)], fmt)
    folder = Path(output_dir) if output_dir is not None else source.parent
    _check_folder(folder)
    if in_place:
        _check_folder(Path(os.path.realpath(source)).parent, "input")
    check_settled(source, settle_s)
    original = Path(_original) if _original is not None else source
    if _original is not None and read_format(original) != fmt:
        raise BridgeError(f"the saved original {original} no longer matches {source.name}'s format", "again")
    done = join_close(asked)
    first, stop = _window(done, fmt, variations)
    offset = first / fmt.samplerate
    read_state = _state(original)
    whole = read_float(original)
    clip = whole[:, first:stop]
    sent_seconds = (stop - first) / fmt.samplerate
    # Clamped: a region may end half a sample past the clip (it rounds to the last frame), the engine
    # allows no more than the clip's length.
    sent = [(max(0.0, r.start - offset), min(sent_seconds, r.end - offset)) for r in done]

    client, own = _connect(client)
    try:
        low, high = _ENGINE_SHARE
        _report(on_progress, low, "waiting for the engine")

        def step(done_steps: int, total: int, _eta=None) -> None:
            fraction = low + (high - low) * (done_steps / total if total else 0.0)
            _report(on_progress, fraction, f"step {done_steps}/{total}")

        options = {k: v for k, v in dict(steps=steps, guidance=guidance, scheduler=scheduler, model=model,
                                          adapter_scale=adapter_scale).items() if v is not None}
        results = client.inpaint((clip, fmt.samplerate), prompt, sent, negative_prompt=negative_prompt or "",
                                 seed=seed, variations=variations, on_progress=step, **options)
    finally:
        if own:
            client.close()
    results = results if isinstance(results, list) else [results]
    if _state(original) != read_state:  # the new audio was made to fit what the file held before
        raise BridgeError(f"{original.name} changed while its regions were being regenerated; no take was written, "
                          "run the command again", "input")

    takes: list[Take] = []
    for index, result in enumerate(results):
        _report(on_progress, high + (1 - high) * index / len(results), f"writing take {index + 1}/{len(results)}")
        samples = result.samples
        if result.sample_rate != fmt.samplerate:
            samples = resample(samples, result.sample_rate, fmt.samplerate)
        full = whole.copy()
        if samples.shape[0] == 1 and full.shape[0] > 1:
            samples = np.repeat(samples, full.shape[0], axis=0)
        full[:, first:stop] = fit_frames(samples, stop - first)
        meta = dict(result.metadata)
        take_seed = int(meta.get("seed", (seed or 0) + index))
        metadata = {**meta, "regions": [r.as_list() for r in done], "parent": _stored_parent(source, folder),
                    "adapter": adapter_of(meta), "seed": take_seed}
        path = write_take(original, full, fmt.samplerate, done, metadata,
                          path=next_take_path(source, folder) if original != source else None, folder=folder)
        take = Take(path, take_seed, prompt, list(done), source, metadata=metadata)
        entry = {
            "parent": str(source), "prompt": prompt, "negative": negative_prompt or "", "seed": take_seed,
            "regions": [r.as_list() for r in done], "model": meta.get("model") or model, "adapter": adapter_of(meta),
            "adapter_scale": meta.get("adapter_scale", adapter_scale), "steps": meta.get("steps", steps),
            "guidance": meta.get("guidance", guidance), "scheduler": meta.get("scheduler", scheduler),
            "variation": index, "variations": len(results), "in_place": in_place, "backup": None,
        }
        if in_place:
            take.backup = replace_in_place(source, path)
            entry["backup"] = str(take.backup)
            # What the regions were regenerated from: the first backup, so "again" works on the original.
            entry["original"] = str(original if original != source else take.backup)
        sidecar.record_take(path, entry)
        takes.append(take)
    _report(on_progress, 1.0, f"wrote {len(takes)} take(s)")
    return takes


def _last_entry(source: Path, output_dir, field: str) -> dict:
    entry = sidecar.last_take(source, output_dir)
    if entry is None:
        folder = Path(output_dir) if output_dir is not None else source.parent
        raise BridgeError(f"no take of {source.name} is recorded in {sidecar.sidecar_path(folder)}; make one first "
                          "with --region START:END and a prompt", field)
    if not entry.get("parent") or not Path(entry["parent"]).exists():
        raise BridgeError(f"the file the last take was made from ({entry.get('parent')}) is gone", field,
                          ErrorCode.FILE_NOT_FOUND)
    if not entry.get("regions") or not entry.get("prompt"):
        raise BridgeError(f"the record of {Path(entry['take']).name} lacks its regions or prompt", field)
    return entry


def _from_entry(entry: dict, seed: int, *, client, on_progress, output_dir, settle_s: float) -> list[Take]:
    original = entry.get("original") if entry.get("in_place") else None
    if original is not None and not Path(original).exists():
        raise BridgeError(f"the saved original {original} is gone; cannot regenerate from it", "again",
                          ErrorCode.FILE_NOT_FOUND)
    return regen(
        entry["parent"], [tuple(r) for r in entry["regions"]], entry["prompt"], seed=seed,
        negative_prompt=entry.get("negative") or "", model=entry.get("model"), adapter_scale=entry.get("adapter_scale"),
        steps=entry.get("steps"), guidance=entry.get("guidance"), scheduler=entry.get("scheduler"),
        in_place=bool(entry.get("in_place")), client=client, on_progress=on_progress, output_dir=output_dir,
        settle_s=settle_s, _original=original,
    )


def again(source, *, client=None, on_progress: ProgressCallback | None = None, output_dir=None,
          settle_s: float = 0.5, adapter_scale: float | None = None) -> list[Take]:
    """Regenerate the last take of `source` again: the same prompt, regions, seed and settings, so
    the same samples. `source` is the file the take was made from, or the take itself.
    `adapter_scale`, when given, replaces the recorded one (a controller's knob)."""
    return _follow(source, 0, "again", client, on_progress, output_dir, settle_s, adapter_scale)


def next_variation(source, *, client=None, on_progress: ProgressCallback | None = None, output_dir=None,
                   settle_s: float = 0.5, adapter_scale: float | None = None) -> list[Take]:
    """A new take with the last take's prompt, regions and settings and the next seed (seed + 1)."""
    return _follow(source, 1, "next_variation", client, on_progress, output_dir, settle_s, adapter_scale)


def _follow(source, seed_step: int, field: str, client, on_progress, output_dir, settle_s: float,
            adapter_scale: float | None) -> list[Take]:
    entry = _last_entry(Path(source), output_dir, field)
    if adapter_scale is not None:
        _check_ranges(adapter_scale=adapter_scale)
        entry = dict(entry, adapter_scale=adapter_scale)
    return _from_entry(entry, (int(entry["seed"]) + seed_step) % SEED_MODULUS, client=client,
                       on_progress=on_progress, output_dir=output_dir, settle_s=settle_s)


# ---------------------------------------------------------------------- generating clips


def loop_extra_seconds(seconds: float) -> float:
    """How much longer than the loop the generation is asked to be, for the crossfade of the wrap."""
    from soundloom.bridge.loop import MAX_FADE_SECONDS

    return min(MAX_FADE_SECONDS, seconds / 4)


def exact_clip(samples: np.ndarray, rate: int, seconds: float, loop: bool,
               output_rate: int | None = None) -> tuple[np.ndarray, int]:
    """A generation cut to exactly round(seconds × rate) samples (at `output_rate` when given,
    resampled first), as a seamless loop when `loop` (the generation must run on past the end)."""
    if output_rate and output_rate != rate:
        samples, rate = resample(np.asarray(samples, dtype=np.float32), rate, output_rate), output_rate
    frames = round(seconds * rate)
    if loop:
        return make_loop(samples, frames, fade_frames(frames, rate)), rate
    return fit_frames(samples, frames), rate


def generate_clip(prompt: str, seconds: float, output, *, seed: int | None = None, loop: bool = False, client=None,
                  on_progress: ProgressCallback | None = None, sample_rate: int | None = None,
                  extra_metadata: dict | None = None, **options) -> Path:
    """Generate a clip of exactly `seconds` (round(seconds × rate) samples) and write it to `output`
    (.wav: 32-bit float, .flac: 24-bit); `loop` makes its end flow seamlessly into its start.

    The rate is the model's, or `sample_rate` (44100 or 48000 Hz) when given. `options` go to
    `Client.generate` (negative_prompt, steps, guidance, scheduler, model, adapter_scale, tune).
    """
    output = check_output_path(output)
    _check_options(1, False, seed)
    _check_ranges(**{k: options.get(k) for k in ("steps", "guidance", "adapter_scale")})
    asked = seconds + (loop_extra_seconds(seconds) if loop else 0.0)
    if asked > MAX_CLIP_SECONDS:
        raise BridgeError(f"{seconds:g} s is out of range; allowed: up to "
                          f"{MAX_CLIP_SECONDS - (loop_extra_seconds(seconds) if loop else 0):.2f} s"
                          + (" with --loop" if loop else ""), "seconds", ErrorCode.OUT_OF_RANGE)
    client, own = _connect(client)
    try:
        _report(on_progress, 0.05, "waiting for the engine")

        def step(done: int, total: int, _eta=None) -> None:
            _report(on_progress, 0.05 + 0.85 * (done / total if total else 0.0), f"step {done}/{total}")

        audio = client.generate(prompt, seconds=asked, seed=seed, on_progress=step, **options)
    finally:
        if own:
            client.close()
    samples, rate = exact_clip(audio.samples, audio.sample_rate, seconds, loop, sample_rate)
    metadata = dict(audio.metadata, seconds=seconds, loop=loop, **(extra_metadata or {}))
    if rate != audio.sample_rate:
        metadata["sample_rate"] = rate
    write_audio(output, samples, rate, metadata)
    _report(on_progress, 1.0, f"wrote {output}")
    return output
