"""A Tango / Tango 2 release folder, read as Tango publishes it (not in diffusers' format).

The folder holds `main_config.json` (names the FLAN-T5 text encoder and the Stable Diffusion 2.1
scheduler by hub id, and the UNet config by a path), `vae_config.json`, `stft_config.json`,
`pytorch_model_main.bin` and `pytorch_model_vae.bin`. The text encoder's config and tokenizer and
the scheduler's config are not in the folder: they come from explicit paths, else from the local
Hugging Face cache, offline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soundloom.engine.models.hf_cache import hub_cache_dir, snapshot_path
from soundloom.engine.models.mel import MelConfig
from soundloom.engine.models.tango_published import UNET_CONFIG
from soundloom.protocol.errors import ErrorCode, SoundloomError

RELEASE_FILES = ("main_config.json", "vae_config.json", "stft_config.json", "pytorch_model_main.bin", "pytorch_model_vae.bin")


def is_tango_release(path: Path) -> bool:
    """True for a folder in Tango's own release layout."""
    path = Path(path)
    return (path / "main_config.json").is_file() and (path / "pytorch_model_main.bin").is_file() and not (
        path / "model_index.json"
    ).is_file()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} could not be read as JSON ({exc})", "model") from exc
    if not isinstance(value, dict):
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{path} is not a JSON object", "model")
    return value


@dataclass(frozen=True)
class TangoSources:
    """Where each part of a Tango model comes from."""

    folder: Path
    main_config: dict[str, Any]
    text_encoder: Path  # a folder with the T5 config.json and tokenizer files
    scheduler_config: dict[str, Any]
    unet_config: dict[str, Any]
    unet_config_source: str  # a path, or "published" for Tango's own config kept as data


def _text_encoder_folder(name: str, explicit: Path | None, cache_dir: Path | None) -> Path:
    if explicit is not None:
        folder = Path(explicit).expanduser()
        if not (folder / "config.json").is_file():
            raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"{folder} has no config.json for the text encoder", "text_encoder")
        return folder
    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    try:
        folder = snapshot_path(name, cache)
    except SoundloomError as exc:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"Tango's text encoder {name} is not in the Hugging Face cache at {cache}; copy it there (huggingface-cli "
            f"download {name} on a connected machine) or convert the release with its folder (soundloom models "
            "convert TANGO_DIR OUT_DIR --text-encoder DIR)",
            "text_encoder",
        ) from exc
    if not (folder / "config.json").is_file():
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"the cached {name} at {folder} has no config.json", "text_encoder")
    return folder


def _scheduler_config(name: str, explicit: Path | None, cache_dir: Path | None) -> dict[str, Any]:
    if explicit is not None:
        base = Path(explicit).expanduser()
        for candidate in (base, base / "scheduler_config.json", base / "scheduler" / "scheduler_config.json"):
            if candidate.is_file():
                return _read_json(candidate)
        raise SoundloomError(ErrorCode.MODEL_NOT_FOUND, f"no scheduler_config.json at {base}", "scheduler")
    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    try:
        folder = snapshot_path(name, cache)
    except SoundloomError as exc:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"Tango's scheduler config {name} (scheduler/scheduler_config.json) is not in the Hugging Face cache "
            f"at {cache}; copy it there or convert the release with its path (soundloom models convert TANGO_DIR "
            "OUT_DIR --scheduler PATH)",
            "scheduler",
        ) from exc
    config_file = folder / "scheduler" / "scheduler_config.json"
    if not config_file.is_file():
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"the cached {name} at {folder} has no {config_file.name}", "scheduler")
    return _read_json(config_file)


def _unet_config(folder: Path, main_config: dict[str, Any], text_width: int) -> tuple[dict[str, Any], str]:
    named = main_config.get("unet_model_config_path")
    if named:
        candidate = Path(named).expanduser()
        for path in ([candidate] if candidate.is_absolute() else [folder / candidate, folder / candidate.name]):
            if path.is_file():
                return _read_json(path), str(path)
    # Tango's XL release differs from the base one only in the cross-attention width.
    return {**UNET_CONFIG, "cross_attention_dim": text_width}, "published"


def resolve_sources(
    folder: Path, text_encoder: Path | None = None, scheduler: Path | None = None, cache_dir: Path | None = None
) -> TangoSources:
    """Find every part a Tango release folder names, offline."""
    folder = Path(folder).expanduser().resolve()
    missing = [name for name in RELEASE_FILES if not (folder / name).is_file()]
    if missing:
        raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{folder} is missing Tango file(s): {', '.join(missing)}", "model")
    main_config = _read_json(folder / "main_config.json")
    for key in ("text_encoder_name", "scheduler_name"):
        if not isinstance(main_config.get(key), str):
            raise SoundloomError(ErrorCode.MODEL_INCOMPLETE, f"{folder / 'main_config.json'} has no {key}", "model")
    if main_config.get("unet_model_name") and not main_config.get("unet_model_config_path"):
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE,
            f"{folder}: UNets initialised from a Stable Diffusion checkpoint (unet_model_name) are not supported",
            "model",
        )
    text_folder = _text_encoder_folder(main_config["text_encoder_name"], text_encoder, cache_dir)
    text_width = int(_read_json(text_folder / "config.json").get("d_model", UNET_CONFIG["cross_attention_dim"]))
    unet_config, unet_source = _unet_config(folder, main_config, text_width)
    return TangoSources(
        folder, main_config, text_folder, _scheduler_config(main_config["scheduler_name"], scheduler, cache_dir),
        unet_config, unet_source,
    )


def mel_config(folder: Path) -> MelConfig:
    """The front end Tango's `stft_config.json` describes (TacotronSTFT: log of a clamped Slaney mel)."""
    stft = _read_json(Path(folder) / "stft_config.json")
    return MelConfig(
        sample_rate=int(stft.get("sampling_rate", 16000)),
        n_mels=int(stft.get("n_mel_channels", 64)),
        hop_length=int(stft.get("hop_length", 160)),
        n_fft=int(stft.get("filter_length", 1024)),
        win_length=int(stft.get("win_length", 1024)),
        f_min=float(stft.get("mel_fmin", 0.0)),
        f_max=float(stft["mel_fmax"]) if stft.get("mel_fmax") is not None else None,
    )


def _load_weights(path: Path) -> dict[str, Any]:
    import torch

    try:
        # weights_only: a pickle in a downloaded folder must not be able to run code.
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise SoundloomError(
            ErrorCode.MODEL_INCOMPLETE, f"{path} could not be read ({type(exc).__name__}: {exc}); is it complete?", "model"
        ) from exc


def load_release_parts(sources: TangoSources) -> dict[str, Any]:
    """The model's components (diffusers/transformers objects), ready for `TangoModel`."""
    from diffusers import UNet2DConditionModel
    from transformers import AutoTokenizer, T5Config, T5EncoderModel

    from soundloom.engine.models.tango_checkpoint import split_prefix, vae_from_ldm, vocoder_from_tango

    folder = sources.folder
    mel = mel_config(folder)
    main = _load_weights(folder / "pytorch_model_main.bin")
    vae_state = _load_weights(folder / "pytorch_model_vae.bin")
    parts: dict[str, Any] = {"mel": mel, "scheduler": dict(sources.scheduler_config)}
    steps = [
        ("tokenizer", lambda: AutoTokenizer.from_pretrained(sources.text_encoder, local_files_only=True)),
        ("text_encoder", lambda: _strict(T5EncoderModel(T5Config.from_pretrained(sources.text_encoder, local_files_only=True)), split_prefix(main, "text_encoder"))),
        ("unet", lambda: _strict(UNet2DConditionModel.from_config(sources.unet_config), split_prefix(main, "unet"))),
        ("vae", lambda: vae_from_ldm(vae_state, _read_json(folder / "vae_config.json"))),
        ("vocoder", lambda: vocoder_from_tango(split_prefix(vae_state, "vocoder"), mel.sample_rate)),
    ]
    for name, build in steps:
        try:
            parts[name] = build()
        except SoundloomError:
            raise
        except Exception as exc:  # a mismatch between weights and config; name the part that failed
            raise SoundloomError(
                ErrorCode.MODEL_INCOMPLETE, f"{folder}: Tango's {name} could not be loaded ({exc})", "model"
            ) from exc
    return parts


def _strict(module, state: dict[str, Any]):
    if not state:
        raise ValueError("no weights for it in the checkpoint")
    # T5 ties its input embeddings: the checkpoint may carry them once or under both names.
    if "shared.weight" in state and "encoder.embed_tokens.weight" not in state and hasattr(module, "encoder"):
        state = {**state, "encoder.embed_tokens.weight": state["shared.weight"]}
    module.load_state_dict(state, strict=True)
    return module
