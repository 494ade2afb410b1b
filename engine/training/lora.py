"""LoRA adapters on a diffusion UNet, through peft: attach, save, load and switch per request.

Only the UNet's attention projections are adapted (optionally its resnet convolutions too); the
VAE, vocoder and text encoder stay frozen, as the AudioLDM small-data study recommends. An
adapter folder holds `adapter_config.json` (peft's LoraConfig) and `adapter_model.safetensors`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, save_file

from soundloom.protocol.atomic_files import atomic_path, write_text_atomically

ATTENTION = ["to_q", "to_k", "to_v", "to_out.0"]
CONVOLUTIONS = ["conv1", "conv2"]  # the two 3x3 convolutions of every resnet block
CONFIG_FILE, WEIGHTS_FILE = "adapter_config.json", "adapter_model.safetensors"


def lora_config(rank: int, convolutions: bool = False) -> LoraConfig:
    # alpha = rank keeps the update's scale independent of the rank chosen.
    return LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian",
                      target_modules=ATTENTION + (CONVOLUTIONS if convolutions else []))


def attach(unet: torch.nn.Module, config: LoraConfig, name: str) -> list[torch.nn.Parameter]:
    """Add adapter `name` to `unet`, make it the active one, and return its trainable parameters."""
    unet.add_adapter(config, adapter_name=name)
    unet.set_adapter(name)
    params = [p for n, p in unet.named_parameters() if "lora_" in n and f".{name}." in n]
    for p in params:
        p.requires_grad_(True)
    return params


def state_of(unet: torch.nn.Module, name: str) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(unet, adapter_name=name).items()}


def save(folder: Path, unet: torch.nn.Module, config: LoraConfig, name: str) -> None:
    """Write the adapter's weights and config; each file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = state_of(unet, name)
    with atomic_path(folder / WEIGHTS_FILE, sync=False) as temporary:
        save_file(weights, str(temporary))
    settings = {k: (sorted(v) if isinstance(v, set) else v) for k, v in config.to_dict().items()}
    write_text_atomically(folder / CONFIG_FILE, json.dumps(settings, indent=2, default=str))


def load(folder: Path, unet: torch.nn.Module, name: str) -> None:
    """Attach the adapter saved in `folder` to `unet` under `name` (inactive until selected)."""
    settings = json.loads((folder / CONFIG_FILE).read_text())
    config = LoraConfig(r=settings["r"], lora_alpha=settings["lora_alpha"], target_modules=settings["target_modules"])
    unet.add_adapter(config, adapter_name=name)
    result = set_peft_model_state_dict(unet, load_file(str(folder / WEIGHTS_FILE)), adapter_name=name)
    unexpected = getattr(result, "unexpected_keys", [])
    if unexpected:
        raise ValueError(f"{folder}: {len(unexpected)} weights do not fit this model (e.g. {unexpected[0]})")
    unet.requires_grad_(False)


def select(unet: torch.nn.Module, name: str | None, scale: float = 1.0) -> None:
    """Run `unet` with adapter `name` at `scale`, or as the base model (name None or scale 0)."""
    if not getattr(unet, "_hf_peft_config_loaded", False):
        return  # no adapter was ever attached: it is the base model
    if name is None or scale == 0.0:
        unet.disable_adapters()
        return
    unet.enable_adapters()
    unet.set_adapters([name], weights=[scale])
