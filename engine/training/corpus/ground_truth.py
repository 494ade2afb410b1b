"""Finishing a rendered clip and recording what is true about it.

Every source ends here: the clip is cut to 1-10 s, kept below the peak ceiling, measured, and
its ground truth (class, pitch, loudness, onsets, generator parameters) is written next to the
audio as a per-clip record, which also marks the clip as done for a resumed build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from soundloom.engine.pitch import midi_to_hz
from soundloom.protocol.atomic_files import write_text_atomically

from .audio import SAMPLE_RATE, fit_duration, limit_peak, trim_trailing_silence, write_audio
from .clip import ClipSpec, Rendered
from .measure import level_summary

AUDIO_SUFFIX = {"flac": ".flac", "wav": ".wav"}
SILENT_PEAK_DB = -80.0
SILENT_PEAK = 10 ** (SILENT_PEAK_DB / 20)


def record_path(root: Path, clip_id: str) -> Path:
    return root / "records" / f"{clip_id}.json"


def spec_fingerprint(spec: ClipSpec) -> str:
    """A digest of everything a spec decides; a record made from another spec is stale."""
    text = json.dumps({"source": spec.source, "class": spec.cls, "params": spec.params, "attrs": spec.attrs}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_done(root: Path, spec: ClipSpec) -> bool:
    """True when the clip's record exists and was made from this very spec (so a resumed build
    after a change of plan re-renders the clips whose parameters changed)."""
    path = record_path(root, spec.id)
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("spec") == spec_fingerprint(spec)
    except (OSError, ValueError):
        return False


def finish(spec: ClipSpec, out: Rendered) -> tuple[np.ndarray, dict]:
    """Cut, limit and measure a rendered clip; returns the final audio and its ground truth."""
    audio = np.asarray(out.audio, dtype=np.float32)
    if spec.source in ("midi", "drums", "procedural"):
        # Release tails and generator padding end in near-silence; cut it so durations mean sound.
        audio = trim_trailing_silence(audio)
    audio, onsets = fit_duration(audio, out.onsets_s)
    audio, gain_db = limit_peak(audio)
    if not np.any(np.abs(audio) > SILENT_PEAK):
        # A silent clip is a generator bug (e.g. a note outside a soundfont sample's range),
        # never a valid example: stop rather than teach the model that silence is a violin.
        raise ValueError(f"{spec.id} rendered silent (peak below {SILENT_PEAK_DB} dBFS); params: {spec.params}")
    pitches = out.pitches
    if pitches is None and "notes" in spec.params and spec.source == "midi":
        pitches = sorted({int(n[2]) for n in spec.params["notes"]})
    midi_pitch = out.midi_pitch
    if midi_pitch is None and spec.source == "midi" and spec.params.get("kind") == "note":
        midi_pitch = int(spec.params["notes"][0][2])
    f0 = out.f0_hz
    if f0 is None and midi_pitch is not None and spec.source != "drums":
        # The lowest partial: the key's pitch, or below it for organs with 16'/32' stops.
        f0 = round(midi_to_hz(midi_pitch + spec.params.get("sounding_shift", 0)), 3)
    truth = {
        "source": spec.source,
        "class": spec.cls,
        "midi_pitch": midi_pitch,
        "pitches": pitches,
        "f0_hz": f0,
        "onsets_s": [round(float(t), 4) for t in onsets],
        "onset_origin": out.onset_origin,
        "loudness": level_summary(audio),
        "duration_s": round(len(audio) / SAMPLE_RATE, 4),
        "limiter_gain_db": round(gain_db, 2),
        "params": spec.params,
        "attrs": spec.attrs,
        **({"measured": out.extra} if out.extra else {}),
    }
    return audio, truth


def write_clip(root: Path, spec: ClipSpec, audio: np.ndarray, truth: dict, audio_format: str) -> None:
    """Write the audio, then the record (atomically): a record on disk means a finished clip."""
    rel = spec.relpath + AUDIO_SUFFIX[audio_format]
    write_audio(root / rel, audio, audio_format)
    record = {
        "id": spec.id,
        "path": rel,
        "source": spec.source,
        "class": spec.cls,
        "group": spec.group,
        "spec": spec_fingerprint(spec),
        "ground_truth": truth,
    }
    path = record_path(root, spec.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(record, sort_keys=True), sync=False)


def read_record(root: Path, clip_id: str) -> dict:
    return json.loads(record_path(root, clip_id).read_text(encoding="utf-8"))
