"""`Audio`: a sound as the SDK hands it to you."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from soundloom.sdk.audio_file import read_audio, read_metadata, resample, write_audio


@dataclass
class Audio:
    """float32 samples [channels, samples] at `sample_rate` Hz, with the settings that made them."""

    samples: np.ndarray
    sample_rate: int
    metadata: dict = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.samples.shape[-1] / self.sample_rate

    @property
    def channels(self) -> int:
        return self.samples.shape[0]

    def resampled(self, sample_rate: int) -> "Audio":
        """A copy at `sample_rate` Hz (soxr); the metadata records the new rate."""
        if sample_rate == self.sample_rate:
            return self
        meta = dict(self.metadata, sample_rate=sample_rate)
        return Audio(resample(self.samples, self.sample_rate, sample_rate), sample_rate, meta)

    def save(self, path: str | Path, sample_rate: int | None = None) -> Path:
        """Write WAV or FLAC (by extension), optionally resampled; metadata goes into the file."""
        audio = self.resampled(sample_rate) if sample_rate else self
        return write_audio(path, audio.samples, audio.sample_rate, audio.metadata)

    @classmethod
    def load(cls, path: str | Path) -> "Audio":
        samples, rate = read_audio(path)
        return cls(samples, rate, read_metadata(path))

    def play(self, blocking: bool = True) -> None:
        """Play through the default output device (needs `pip install 'soundloom[audio-device]'`)."""
        try:
            import sounddevice
        except (ImportError, OSError) as exc:  # OSError: the PortAudio library itself is missing
            raise RuntimeError(f"playing audio needs sounddevice and PortAudio: pip install 'soundloom[audio-device]' ({exc})") from exc
        sounddevice.play(self.samples.T, self.sample_rate, blocking=blocking)
