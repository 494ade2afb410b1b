"""The starter corpus: synthesised and recorded 16 kHz clips with captions and ground truth.

Sources: General MIDI instruments and drums rendered with FluidSynth, recorded sounds from
Debian packages (Hydrogen drum kits, Hedgewars, the freedesktop sound theme), procedural DSP
effects, textures, foley and mechanical sounds, and espeak-ng speech. `build_corpus` (or
`python -m soundloom.engine.training.corpus OUT_DIR`) writes audio, `manifest.jsonl`,
`classes.json` and `summary.json`; `tango_mix` is the on-the-fly mixing augmentation.
"""

from .build import build_corpus, main
from .classes import CLASSES, RESERVED_CLASSES
from .errors import MissingDependency
from .manifest import read_manifest
from .mixing import mix_pair, tango_mix

__all__ = ["CLASSES", "RESERVED_CLASSES", "MissingDependency", "build_corpus", "main", "mix_pair", "read_manifest", "tango_mix"]
