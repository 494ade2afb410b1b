"""Log-mel spectrograms of a corpus, computed once and kept as one float16 array on disk.

Training reads random crops from it instead of decoding audio every step, which on a 2-core CPU
would cost more than the model itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tqdm import tqdm

from soundloom.engine.audio import resample
from soundloom.engine.models.mel import MelConfig, MelFrontEnd


@dataclass
class MelCache:
    """mels: [total_frames, n_mels] float16; clips: one dict per clip with `start`, `frames` and its manifest fields."""

    mels: np.ndarray
    clips: list[dict]

    def clip_mel(self, index: int) -> np.ndarray:
        clip = self.clips[index]
        return self.mels[clip["start"] : clip["start"] + clip["frames"]]

    def split(self, name: str) -> list[int]:
        return [i for i, c in enumerate(self.clips) if c["split"] == name]


def build_mel_cache(entries: list[dict], corpus_root: Path, out: Path, mel: MelConfig) -> MelCache:
    """Compute (or reuse) the cache for manifest `entries`; audio paths are relative to `corpus_root`."""
    mels_file, index_file = out / "mels.npy", out / "clips.json"
    if mels_file.exists() and index_file.exists():
        clips = json.loads(index_file.read_text())
        if [c["id"] for c in clips] == [e["id"] for e in entries]:
            return MelCache(np.load(mels_file, mmap_mode="r"), clips)
    out.mkdir(parents=True, exist_ok=True)
    front = MelFrontEnd(mel)
    parts, clips, start = [], [], 0
    for entry in tqdm(entries, desc="mel cache", unit="clip"):
        audio, rate = sf.read(corpus_root / entry["path"], dtype="float32", always_2d=True)
        mono = resample(audio.mean(axis=1)[None], rate, mel.sample_rate)[0]
        usable = len(mono) // mel.hop_length * mel.hop_length
        with torch.no_grad():
            spec = front(torch.from_numpy(mono[:usable])[None])[0].numpy().astype(np.float16)
        parts.append(spec)
        fields = {k: entry[k] for k in ("id", "split", "class", "captions") if k in entry}
        clips.append({**fields, "paraphrases": entry.get("paraphrases", []), "start": start, "frames": len(spec)})
        start += len(spec)
    mels = np.concatenate(parts)
    np.save(mels_file, mels)
    index_file.write_text(json.dumps(clips))
    return MelCache(np.load(mels_file, mmap_mode="r"), clips)


def crop(mel: np.ndarray, frames: int, rng: np.random.Generator, floor: float) -> np.ndarray:
    """A `frames`-long window of `mel`: random offset when longer, padded with silence when shorter."""
    if len(mel) >= frames:
        offset = rng.integers(0, len(mel) - frames + 1)
        return np.asarray(mel[offset : offset + frames], dtype=np.float32)
    out = np.full((frames, mel.shape[1]), floor, dtype=np.float32)
    out[: len(mel)] = mel
    return out
