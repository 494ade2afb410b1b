"""Where models run and in what precision the UNet computes.

Device: the first CUDA GPU when there is one, else the CPU.

Precision (`soundloom serve --precision`): `float32`, `bfloat16` or `float16` (the UNet's arithmetic
under autocast; latents, scheduler and audio stay float32), or `auto`; see `auto_dtype`. float16 is
for CUDA GPUs only: CPUs have no float16 arithmetic worth using.
"""

from __future__ import annotations

import torch

from soundloom.protocol.errors import ErrorCode, SoundloomError

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
DTYPE_CHOICES = ("auto", *DTYPES)


def pick_device(requested: str | None = None) -> torch.device:
    """`requested` ("cpu", "cuda", "cuda:1") if given, else CUDA when available, else CPU."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_has_native_bf16() -> bool:
    """True when this CPU multiplies bfloat16 in hardware (AVX-512 BF16 or AMX), as oneDNN sees it."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def pick_dtype(requested: str | None, device: torch.device) -> torch.dtype:
    """The UNet's compute precision for `requested` ("auto", "float32", "bfloat16"; None = "auto")."""
    name = requested or "auto"
    if name not in DTYPE_CHOICES:
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"unknown dtype {name!r}; allowed: {', '.join(DTYPE_CHOICES)}", "dtype")
    if name == "float16" and device.type != "cuda":
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"fp16 runs on a CUDA GPU only, not on {device.type}; "
                             "allowed here: auto, fp32, bf16", "precision")
    if name != "auto":
        return DTYPES[name]
    return auto_dtype(device)


def auto_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 on a CPU that multiplies it in hardware, float32 elsewhere.

    Measured with bench/bf16.py on such a CPU (AMD EPYC, AVX-512 BF16, 2 threads): a 5 s starter
    clip at 15 steps took 0.39× the float32 time, and the log-mel distance between the two results
    of one seed was 0.05× the distance between neighbouring seeds, so the sound is the same.
    Without hardware support bfloat16 is emulated and slower. On a CUDA GPU: bfloat16 where the GPU
    has it (Ampere and later), else float16 — the usual choice for diffusion UNets on GPUs; not
    measured here, as this project's machines have no GPU.
    """
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32
