"""The UNet's compute precision: a device setting; bfloat16 changes the sound far less than a new seed."""

import numpy as np
import pytest
import torch

from soundloom.engine.device import cpu_has_native_bf16, pick_dtype
from soundloom.engine.engine import Engine
from soundloom.engine.pipelines import GenerateRequest, generate
from soundloom.protocol.errors import ErrorCode, SoundloomError

CPU = torch.device("cpu")


def test_named_precisions_are_taken_as_given_and_auto_picks_one_of_them():
    assert pick_dtype("float32", CPU) is torch.float32
    assert pick_dtype("bfloat16", CPU) is torch.bfloat16
    # auto: bfloat16 where the CPU multiplies it in hardware (measured 0.39x the float32 time), else float32
    assert pick_dtype("auto", CPU) is (torch.bfloat16 if cpu_has_native_bf16() else torch.float32)
    assert pick_dtype(None, CPU) is pick_dtype("auto", CPU)


def test_an_unknown_precision_is_refused_naming_the_choices():
    with pytest.raises(SoundloomError) as info:
        pick_dtype("float8", CPU)
    assert info.value.code is ErrorCode.INVALID_ARGUMENT and info.value.field == "dtype"
    assert "auto, float32, bfloat16, float16" in info.value.message


def test_fp16_is_refused_on_the_cpu_and_taken_on_a_gpu():
    with pytest.raises(SoundloomError) as info:
        pick_dtype("float16", CPU)
    assert info.value.field == "precision" and "CUDA" in info.value.message and "bf16" in info.value.message
    # Choosing needs no GPU: only what a CUDA device would be given is decided here.
    assert pick_dtype("float16", torch.device("cuda")) is torch.float16


def test_the_engine_gives_its_precision_to_the_model_it_loads(tiny_model_path):
    assert Engine(dtype="bfloat16").load(tiny_model_path).compute_dtype is torch.bfloat16
    assert Engine(dtype="float32").load(tiny_model_path).compute_dtype is torch.float32


def _log_mel(model, audio: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.latents.front_end(torch.from_numpy(audio)[None]).numpy()[0]


def test_bfloat16_sampling_stays_close_to_float32(tiny_model):
    def run(dtype, seed):
        tiny_model.compute_dtype = dtype
        try:
            return generate(tiny_model, GenerateRequest(prompt="rain", seconds=1.0, steps=3, seed=seed, guidance=1.0)).audio[0][0]
        finally:
            tiny_model.compute_dtype = torch.float32  # the model is shared by the whole session

    full, low, other_seed = run(torch.float32, 0), run(torch.bfloat16, 0), run(torch.float32, 1)
    assert not np.array_equal(full, low)  # the UNet really computed in bfloat16
    precision_change = np.abs(_log_mel(tiny_model, full) - _log_mel(tiny_model, low)).mean()
    seed_change = np.abs(_log_mel(tiny_model, full) - _log_mel(tiny_model, other_seed)).mean()
    assert precision_change < 0.1 * seed_change
