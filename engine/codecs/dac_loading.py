"""Read and write DAC weights in the published `weights.pth` format.

The published file is a `torch.save`d dict: {"state_dict": parameters, "metadata": {"kwargs":
constructor arguments}}. Its weight-normalised convolutions carry `weight_g` / `weight_v` (the
names of the older `torch.nn.utils.weight_norm`); this codec uses the maintained
`torch.nn.utils.parametrizations.weight_norm`, whose same two tensors are called
`parametrizations.weight.original0` / `original1`. `module_name` and `published_name` translate,
so files with either naming load, and files are always written with the published one.
Files are read with `weights_only=True`: a weights file can never run code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

try:
    from numpy._core.multiarray import scalar as _numpy_scalar
except ImportError:  # numpy < 2
    from numpy.core.multiarray import scalar as _numpy_scalar

from soundloom.engine.codecs.dac import DAC
from soundloom.engine.codecs.dac_config import DAC_44KHZ, DACConfig
from soundloom.protocol.atomic_files import atomic_writer
from soundloom.protocol.errors import ErrorCode, SoundloomError

_PARAMETRIZED = re.compile(r"\.parametrizations\.weight\.original([01])$")
_PUBLISHED = re.compile(r"\.weight_([gv])$")
# Constructor arguments saved as numpy scalars unpickle through these; they build plain numbers only.
_NUMPY_SCALARS = [(_numpy_scalar, "numpy.core.multiarray.scalar"), _numpy_scalar, np.dtype] + [
    type(np.dtype(kind)) for kind in ("int32", "int64", "float32", "float64", "bool")
]


def published_name(name: str) -> str:
    """The published parameter name of one of this module's state-dict names."""
    return _PARAMETRIZED.sub(lambda m: ".weight_g" if m.group(1) == "0" else ".weight_v", name)


def module_name(name: str) -> str:
    """This module's state-dict name of a published parameter name."""
    return _PUBLISHED.sub(lambda m: ".parametrizations.weight.original" + ("0" if m.group(1) == "g" else "1"), name)


def published_state_dict(model: DAC) -> dict[str, torch.Tensor]:
    """The model's parameters under their published names, in the published order."""
    return {published_name(name): tensor for name, tensor in model.state_dict().items()}


def read_weights(path: str | Path) -> tuple[DACConfig | None, dict[str, torch.Tensor]]:
    """(config from the file's metadata, or None when it has none; state dict) of a weights file."""
    path = Path(path)
    if not path.is_file():
        raise SoundloomError(ErrorCode.FILE_NOT_FOUND, f"no DAC weights file at {path}", "path")
    try:
        with torch.serialization.safe_globals(_NUMPY_SCALARS):
            content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated zip, a pickle of arbitrary objects, not a torch file at all
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} is not a readable DAC weights file ({type(exc).__name__})", "path") from exc
    if isinstance(content, dict) and "state_dict" in content:
        kwargs = (content.get("metadata") or {}).get("kwargs")
        config = DACConfig.from_kwargs(_plain(kwargs)) if kwargs is not None else None
        state = content["state_dict"]
    else:
        config, state = None, content
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} holds no state dict of tensors", "path")
    return config, state


def load_dac(path: str | Path, config: DACConfig | None = None) -> DAC:
    """A DAC in eval mode from a weights file; `config` only for files without metadata (default: 44.1 kHz)."""
    saved_config, state = read_weights(path)
    # Built on the CPU, not on the meta device: weight norm on meta tensors pulls in sympy (seconds).
    model = DAC(saved_config or config or DAC_44KHZ)
    expected = {published_name(k): v.shape for k, v in model.state_dict().items()}
    found = {published_name(k): v.shape for k, v in state.items()}
    missing, unexpected = sorted(expected.keys() - found.keys()), sorted(found.keys() - expected.keys())
    wrong = sorted(k for k in expected.keys() & found.keys() if expected[k] != found[k])
    if missing or unexpected or wrong:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"{path} does not fit a DAC of this shape: {len(missing)} missing, {len(unexpected)} unexpected, "
            f"{len(wrong)} of another shape parameters (first: {(missing + unexpected + wrong)[0]})",
            "path",
        )
    model.load_state_dict({module_name(k): v for k, v in state.items()})
    return model.eval()


def save_dac(model: DAC, path: str | Path) -> Path:
    """Write the model in the published format, atomically: the file is whole or absent."""
    path = Path(path)
    payload = {"state_dict": published_state_dict(model), "metadata": {"kwargs": model.config.to_kwargs()}}
    with atomic_writer(path, sync=False) as file:
        torch.save(payload, file)
    return path


def _plain(value: Any) -> Any:
    """Numpy scalars and tuples in saved constructor arguments, as plain Python numbers and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
