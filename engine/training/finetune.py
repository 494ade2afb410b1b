"""Fine-tuning a model on a user's sample library: a LoRA adapter on the diffusion UNet (or transformer).

Following the AudioLDM small-data study, everything but the UNet stays frozen (VAE, vocoder, text
encoder) and the model keeps its text conditioning, with 10 % of captions dropped so guidance and
negative prompts still work. Library audio is encoded to latents once, so each step costs one UNet
forward and backward pass, with the loss the model's family was trained with
(`AudioModel.training_loss`). Checkpoints (adapter and optimiser state) are written every
`checkpoint_every` steps and when the run stops, so a crash loses at most one interval and a
cancelled run resumes where it stopped.
"""

from __future__ import annotations

import errno
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import soundfile as sf
import torch

from soundloom.protocol.atomic_files import write_text_atomically
from soundloom.engine.models.base import AudioModel, Conditioning
from soundloom.engine.pipelines.generate import generate
from soundloom.engine.pipelines.requests import GenerateRequest
from soundloom.engine.training import lora
from soundloom.engine.training.checkpoint import list_checkpoints, load_latest, save_checkpoint
from soundloom.engine.training import finetune_defaults as defaults
from soundloom.engine.training.finetune_spec import WINDOW_S, FinetuneSpec
from soundloom.engine.training.library import LibraryScan, scan_library
from soundloom.engine.training.library_windows import Window, load_windows, mixed_windows
from soundloom.engine.training.process_group import ProcessGroup
from soundloom.engine.training.schedule import cosine_lr, set_lr
from soundloom.protocol.errors import ErrorCode, SoundloomError

ADAPTER_NAME = "library"  # the adapter's name inside the UNet while it trains
CAPTION_DROPOUT = 0.1
VALIDATION_STEPS = 20  # DPM-Solver++ steps of a validation render
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}

Emit = Callable[[dict[str, Any]], None]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json(path: Path, data: dict) -> None:
    write_text_atomically(path, json.dumps(data, indent=2))


def _disk_guard(action: Callable[[], Any], what: str, kept: int) -> Any:
    """Run a write; a full disk becomes a `disk_full` error that says what is still intact."""
    try:
        return action()
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            intact = f"the checkpoint of step {kept} is intact" if kept else "no checkpoint was written yet"
            raise SoundloomError(ErrorCode.DISK_FULL, f"could not write {what}: {exc.strerror}; {intact}") from exc
        raise


class Examples:
    """Library windows as latents with their captions' conditioning, sampled into batches.

    A family that always denoises a whole fixed-length window (`min_latent_frames`) sees each
    library window as it sees a short request: at the window's start, silence after it, and told
    how many seconds of sound it holds. A dropped caption is the model's own "no prompt" (the
    unconditional branch its guidance uses).
    """

    def __init__(self, model: AudioModel, windows: list[Window], batch: int):
        self.batch = batch
        content = windows[0].audio.shape[-1]
        seconds = content / model.sample_rate
        whole = model.min_latent_frames * model.samples_per_latent_frame
        with torch.no_grad():
            audio = np.stack([w.audio for w in windows])
            if whole > content:
                audio = np.pad(audio, [(0, 0)] * (audio.ndim - 1) + [(0, whole - content)])
            audio = torch.from_numpy(audio).to(model.device)
            self.latents = torch.cat([model.waveform_to_latents(chunk) for chunk in audio.split(8)])
            captions = sorted({w.caption for w in windows})
            self.text = {c: model.condition([c], None, seconds) for c in captions}
            self.text[""] = Conditioning(model.condition([""], [""], seconds).uncond)
        self.captions = [w.caption for w in windows]

    def sample(self, rng: np.random.Generator) -> tuple[torch.Tensor, dict]:
        rows = rng.integers(0, len(self.captions), size=self.batch)
        texts = ["" if rng.random() < CAPTION_DROPOUT else self.captions[i] for i in rows]
        cond = Conditioning.stack([self.text[t] for t in texts]).cond
        return self.latents[torch.from_numpy(rows)], cond


def prepare(spec: FinetuneSpec, model: AudioModel) -> tuple[LibraryScan, list[Window]]:
    scan = scan_library(spec.folder, spec.library_roots)
    if not scan.clips:
        reasons = "; ".join(f"{s['path']}: {s['reason']}" for s in scan.skipped[:5]) or "no audio files found"
        raise SoundloomError(ErrorCode.EMPTY_LIBRARY, f"no usable clip in {scan.root} ({reasons})", "folder")
    frames = max(1, round(spec.window_s * model.sample_rate / model.samples_per_latent_frame))
    frames = -(-frames // model.time_multiple) * model.time_multiple
    windows = load_windows(scan, model.sample_rate, frames * model.samples_per_latent_frame, model.audio_channels)
    if spec.mix:
        windows += mixed_windows(windows, np.random.default_rng(spec.seed))
    return scan, windows


class _Stopped(Exception):
    """Raised from a validation render's step callback when the run is asked to stop."""


def _render(model: AudioModel, spec: FinetuneSpec, step: int, folder: Path, emit: Emit, kept: int,
            should_stop: Callable[[], bool]) -> list[dict]:
    """Render each validation prompt with the adapter as it is now; write WAVs and report them.

    Raises _Stopped within one sampling step of `should_stop` turning true: renders on a large
    model take seconds each, longer than someone who pressed Ctrl-C should wait.
    """

    def on_step(_step: int, _total: int) -> None:
        if should_stop():
            raise _Stopped()

    rendered = []
    model.unet.eval()
    lora.select(model.unet, ADAPTER_NAME, spec.strength)  # heard as the finished adapter will sound
    for index, prompt in enumerate(spec.validation_prompts):
        request = GenerateRequest(prompt=prompt, seconds=spec.window_s, steps=VALIDATION_STEPS, seed=spec.seed + index)
        with torch.no_grad():
            result = generate(model, request, on_step)
        path = folder / f"step-{step:07d}-{index}.wav"
        folder.mkdir(parents=True, exist_ok=True)
        _disk_guard(lambda: sf.write(path, result.audio[0].T, result.sample_rate, subtype="FLOAT"), "a validation render", kept)
        entry = {"step": step, "prompt": prompt, "path": str(path)}
        rendered.append(entry)
        emit({"event": "validation", **entry})
    lora.select(model.unet, ADAPTER_NAME, 1.0)
    model.unet.train()
    return rendered


def train_adapter(spec: FinetuneSpec, model: AudioModel, emit: Emit, should_stop: Callable[[], bool]) -> dict:
    """Train (or resume) the adapter of `spec` on `model`; returns the final record.

    Raises SoundloomError `cancelled` when `should_stop` turns true (after writing a checkpoint),
    and `library_changed` / `disk_full` / `empty_library` with what is kept.
    """
    from accelerate import Accelerator

    out = Path(spec.adapter_dir)
    out.mkdir(parents=True, exist_ok=True)
    checkpoints = out / "checkpoints"
    record_file = out / "adapter.json"
    resuming = spec.resume and has_checkpoint(out)  # else it starts from step 0, as a new adapter
    record = json.loads(record_file.read_text()) if resuming and record_file.exists() else {}
    scan, windows = prepare(spec, model)
    if spec.validation_prompts is None:
        spec.validation_prompts = sorted({w.caption for w in windows if " + " not in w.source})[:2]
    if spec.steps is None:  # a resumed run keeps the length it started with, even if files were added since
        spec.steps = int(record.get("steps") or defaults.steps_for_library(len(scan.clips)))
    record.update({
        "name": spec.name, "base": spec.base, "library": scan.root, "clips": len(scan.clips), "windows": len(windows),
        "rank": spec.rank, "convolutions": spec.convolutions, "steps": spec.steps, "state": "training",
        "learning_rate": spec.learning_rate, "batch_size": spec.batch_size, "processes": spec.processes,
        "strength": spec.strength, "created": record.get("created", utc_now()), "updated": utc_now(),
        "validation_prompts": spec.validation_prompts,
    })
    record.setdefault("loss_curve", [])
    record.setdefault("validation", [])

    # Half precision where it pays (CUDA); on a CPU, float32 is both faster and exact. With several
    # processes (started by finetune_process), Accelerate joins them into one group.
    accelerator = Accelerator(cpu=spec.device == "cpu", mixed_precision="fp16" if spec.device.startswith("cuda") else "no")
    group = ProcessGroup(accelerator)
    torch.manual_seed(spec.seed)  # the same on every process: they start from the same adapter
    params = lora.attach(model.unet, lora.lora_config(spec.rank, spec.convolutions), ADAPTER_NAME)
    optimizer = torch.optim.AdamW(params, lr=spec.learning_rate, weight_decay=1e-2)
    start, losses, elapsed_before = 0, [], 0.0
    state = load_latest(checkpoints) if resuming else None
    if resuming and state is None:
        raise SoundloomError(ErrorCode.ADAPTER_NOT_FOUND, f"none of adapter {spec.name!r}'s checkpoints can be read; "
                             "remove it (soundloom adapters remove) and train it again", "name")
    if state is not None:
        from peft.utils import set_peft_model_state_dict

        set_peft_model_state_dict(model.unet, state["lora"], adapter_name=ADAPTER_NAME)
        optimizer.load_state_dict(state["optimizer"])
        start, losses, elapsed_before = state["step"], list(state["losses"]), state.get("elapsed_s", 0.0)
    # Placed and (on CUDA) autocast by Accelerate, but not wrapped for DistributedDataParallel: each
    # family's training_loss calls its own denoiser, so the group averages the adapter's gradients itself.
    unet = accelerator.prepare_model(model.unet, evaluation_mode=True)
    optimizer = accelerator.prepare_optimizer(optimizer)
    unet.train()
    examples = Examples(model, windows, group.share(spec.batch_size))
    rng = np.random.default_rng([spec.seed, start, *group.rank_seed])
    generator = torch.Generator().manual_seed(spec.seed * 7919 + start + 104729 * group.rank)
    kept = start
    began = time.monotonic()

    def checkpoint(step: int) -> None:
        nonlocal kept
        if not group.main:
            return
        payload = {"lora": lora.state_of(model.unet, ADAPTER_NAME), "optimizer": optimizer.state_dict(), "losses": losses,
                   "elapsed_s": elapsed_before + time.monotonic() - began}
        _disk_guard(lambda: save_checkpoint(checkpoints, step, payload), f"the checkpoint of step {step}", kept)
        kept = step
        record.update(steps_done=step, updated=utc_now())
        _disk_guard(lambda: write_json(record_file, record), "adapter.json", kept)

    def stop(error: SoundloomError, step: int) -> None:
        if step > kept:
            checkpoint(step)
        record.update(state="partial", steps_done=kept, stopped=error.code.value)
        if group.main:
            _disk_guard(lambda: write_json(record_file, record), "adapter.json", kept)
        raise error

    def cancelled(step: int) -> SoundloomError:
        return SoundloomError(ErrorCode.CANCELLED, f"cancelled at step {step}; resume continues from there")

    if group.main:
        write_json(record_file, record)
    emit({"event": "started", "clips": len(scan.clips), "windows": len(windows), "skipped": len(scan.skipped), "step": start})
    for step in range(start, spec.steps):
        if group.any(should_stop()):
            stop(cancelled(step), step)
        set_lr(optimizer, cosine_lr(step, spec.steps, spec.learning_rate, warmup=min(50, spec.steps // 10)))
        latents, cond = examples.sample(rng)
        loss = model.training_loss(latents, cond, generator)
        optimizer.zero_grad(set_to_none=True)
        accelerator.backward(loss)
        group.average_gradients(params)
        accelerator.clip_grad_norm_(params, 1.0)
        optimizer.step()
        losses.append(round(group.mean(loss.detach()), 6))
        done = step + 1
        seconds = time.monotonic() - began
        emit({"event": "progress", "step": done, "total": spec.steps, "loss": float(np.mean(losses[-20:])),
              "eta_s": round(seconds / (done - start) * (spec.steps - done), 1)})
        if done % spec.checkpoint_every == 0 or done == spec.steps:
            record["loss_curve"].append([done, float(np.mean(losses[-spec.checkpoint_every:]))])
            if group.any(not Path(spec.folder).is_dir()):
                stop(SoundloomError(ErrorCode.LIBRARY_CHANGED, f"{spec.folder} disappeared during training; the "
                                    f"checkpoint of step {done} is kept: restore the folder and resume", "folder"), done)
            checkpoint(done)
        if group.main and spec.validation_prompts and (done % spec.validate_every == 0 or done == spec.steps):
            try:
                record["validation"] += _render(model, spec, done, out / "validation", emit, kept, should_stop)
            except _Stopped:
                stop(cancelled(done), done)
    final_loss = float(np.mean(losses[-20:])) if losses else float("nan")
    record.update(state="ready", steps_done=spec.steps, loss=final_loss, updated=utc_now(), stopped=None,
                  train_seconds=round(elapsed_before + time.monotonic() - began, 1))
    if group.main:
        _disk_guard(lambda: lora.save(out / "lora", model.unet, saved_config(spec), ADAPTER_NAME), "the adapter weights", kept)
        _disk_guard(lambda: write_json(record_file, record), "adapter.json", kept)
    return record


def saved_config(spec: FinetuneSpec):
    """The finished adapter's peft config: its alpha carries `spec.strength`, so adapter_scale 1 (every
    request's default) applies that share of the trained update, and 1 / strength applies all of it."""
    config = lora.lora_config(spec.rank, spec.convolutions)
    config.lora_alpha = config.lora_alpha * spec.strength
    return config


def has_checkpoint(adapter_dir: Path) -> bool:
    return bool(list_checkpoints(adapter_dir / "checkpoints"))
