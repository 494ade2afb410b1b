"""What `soundloom finetune DIR --name x` does when nothing else is given.

The number of steps grows with the library, but more slowly than the library: a bigger library
needs more steps to be seen well, yet each file is then seen fewer times (20 files ≈ 520 passes
over each file, 150 ≈ 190, 500 ≈ 80 at batch 8), which keeps a 150-file run under a quarter of an
hour on a 2-core CPU. The rule passes through the measured 50-file kalimba run (2,000 steps). The
learning rate and the strength a finished adapter is saved at come from that run and from
recorded game sound effects (docs/finetuning.md, `bench/finetune_defaults.py`): a setting that
moves the model clearly toward the library while unrelated prompts stay about as close to the
base model as the base model is to itself with other seeds.
"""

from __future__ import annotations

import math

from soundloom.protocol.messages import FINETUNE_DEFAULTS

STEPS_PER_SQRT_FILE = 2000 / math.sqrt(50)  # steps = this × √files, rounded to a hundred, within the bounds below
MIN_STEPS = 1000  # below this even a tiny library is not learnt clearly
MAX_STEPS = 5000  # above this the run outgrows what a CPU user waits for
# What a request leaves out; the protocol states them for every client (soundloom.protocol.messages).
BATCH_SIZE = FINETUNE_DEFAULTS["batch_size"]
LEARNING_RATE = FINETUNE_DEFAULTS["learning_rate"]
RANK = FINETUNE_DEFAULTS["rank"]
ALPHA = 8  # peft scales the update by alpha / rank: equal values keep it independent of the rank
ADAPTER_STRENGTH = 0.8  # the finished adapter is saved at this share of what was trained (request adapter_scale 1)


def steps_for_library(files: int) -> int:
    """Training steps for a library of `files` usable files (at least one)."""
    if files < 1:
        raise ValueError(f"a library has at least one file, not {files}")
    steps = round(STEPS_PER_SQRT_FILE * math.sqrt(files) / 100) * 100
    return max(MIN_STEPS, min(MAX_STEPS, steps))
