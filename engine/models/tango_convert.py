"""Write a Tango release folder out as a diffusers-format folder the engine (and diffusers' classes) load.

Each component is saved with its library's `save_pretrained`; the noise schedule comes from the
Stable Diffusion 2.1 config Tango names and the front end from its `stft_config.json`. The output
appears all at once (written beside it, then renamed), and the release folder is only read.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from soundloom.engine.models.tango import TangoModel
from soundloom.engine.models.tango_release import is_tango_release, load_release_parts, resolve_sources
from soundloom.protocol.errors import ErrorCode, SoundloomError


def convert_release(
    source: Path, out: Path, text_encoder: Path | None = None, scheduler: Path | None = None, cache_dir: Path | None = None
) -> Path:
    """Convert the Tango release at `source` into a new diffusers-format folder `out`; returns `out`."""
    import diffusers

    source, out = Path(source).expanduser().resolve(), Path(out).expanduser().resolve()
    if not is_tango_release(source):
        raise SoundloomError(
            ErrorCode.UNKNOWN_MODEL_FAMILY, f"{source} is not a Tango release folder (main_config.json, pytorch_model_main.bin)", "source"
        )
    if out.exists():
        raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"{out} already exists; name a new folder", "out")
    sources = resolve_sources(source, text_encoder, scheduler, cache_dir)
    parts = load_release_parts(sources)
    scheduler_class = str(sources.scheduler_config.get("_class_name", "DDIMScheduler"))
    if not hasattr(diffusers, scheduler_class):
        scheduler_class = "DDIMScheduler"
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in ("vae", "unet", "text_encoder", "vocoder", "tokenizer"):
            parts[name].save_pretrained(scratch / name)
        # The config exactly as Tango names it: re-saving through a scheduler class would add that
        # class's defaults (e.g. timestep spacing), which the samplers chosen per request then inherit.
        (scratch / "scheduler").mkdir()
        (scratch / "scheduler" / "scheduler_config.json").write_text(
            json.dumps({**parts["scheduler"], "_class_name": scheduler_class}, indent=2)
        )
        (scratch / "mel").mkdir()
        (scratch / "mel" / "config.json").write_text(json.dumps(asdict(parts["mel"]), indent=2))
        index = {
            "_class_name": TangoModel.pipeline_class,
            "_diffusers_version": diffusers.__version__,
            "vae": ["diffusers", "AutoencoderKL"],
            "unet": ["diffusers", "UNet2DConditionModel"],
            "scheduler": ["diffusers", scheduler_class],
            "text_encoder": ["transformers", type(parts["text_encoder"]).__name__],
            "tokenizer": ["transformers", type(parts["tokenizer"]).__name__],
            "vocoder": ["transformers", type(parts["vocoder"]).__name__],
            "mel": ["soundloom", "MelConfig"],
        }
        (scratch / "model_index.json").write_text(json.dumps(index, indent=2))
        (scratch / "README.md").write_text(
            f"# {source.name} (Tango), converted\n\nConverted from the Tango release folder {source}.\n"
            f"Text encoder config and tokenizer: {sources.main_config['text_encoder_name']} ({sources.text_encoder}).\n"
            f"Scheduler: {sources.main_config['scheduler_name']}. UNet config: {sources.unet_config_source}.\n"
        )
        scratch.rename(out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return out
