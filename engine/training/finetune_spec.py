"""What a fine-tuning run is asked to do: a light dataclass the daemon checks and the training process reads.

Kept apart from the training code so the daemon can describe a run without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from soundloom.engine.training import finetune_defaults as defaults
from soundloom.protocol.messages import FINETUNE_DEFAULTS

WINDOW_S = 2.56  # seconds per training example: the starter's training crop


@dataclass
class FinetuneSpec:
    """Everything a run needs; the training process reads it from a JSON file."""

    folder: str
    name: str
    base: str  # the base model's name
    model_path: str
    adapter_dir: str
    steps: int | None = None  # None: scaled by the library's size (finetune_defaults.steps_for_library)
    rank: int = defaults.RANK
    learning_rate: float = defaults.LEARNING_RATE
    batch_size: int = defaults.BATCH_SIZE
    seed: int = FINETUNE_DEFAULTS["seed"]
    mix: bool = FINETUNE_DEFAULTS["mix"]
    convolutions: bool = FINETUNE_DEFAULTS["convolutions"]
    validation_prompts: list[str] | None = None  # None: up to two of the library's captions; []: no renders
    validate_every: int = FINETUNE_DEFAULTS["validate_every"]
    checkpoint_every: int = FINETUNE_DEFAULTS["checkpoint_every"]
    resume: bool = FINETUNE_DEFAULTS["resume"]
    device: str = "cpu"
    processes: int = 1  # data-parallel training processes (one per GPU); the batch is shared out among them
    window_s: float = WINDOW_S
    library_roots: list[str] | None = None  # links in the library count only inside these (None: the folder itself)
    strength: float = defaults.ADAPTER_STRENGTH  # share of the trained update the saved adapter applies at adapter_scale 1
