"""Audio output for auditioning: one small interface, a sounddevice implementation, and a silent
stand-in that says why nothing can be heard.

Every output pulls its frames from a `Transport`, which holds the cursor, the region and the loop, so
the same play/loop/stop logic runs behind the sound card and behind a test clock.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import soundfile as sf

NO_OUTPUT = "no audio output"


class ArraySource:
    """Samples in memory, (frames, channels) float32."""

    def __init__(self, samples: np.ndarray):
        samples = np.asarray(samples, dtype=np.float32)
        self.samples = samples[:, None] if samples.ndim == 1 else samples
        self.frames, self.channels = self.samples.shape

    def read(self, start: int, count: int) -> np.ndarray:
        return self.samples[start : start + count]


class FileSource:
    """Samples read from a file as they are played, so a long recording starts at once and never
    has to fit in memory."""

    def __init__(self, path: str | Path):
        self.file = sf.SoundFile(os.fsencode(path))  # bytes: names that are not UTF-8 open too
        self.frames, self.channels, self.rate = self.file.frames, self.file.channels, self.file.samplerate
        self._lock = threading.Lock()

    def read(self, start: int, count: int) -> np.ndarray:
        with self._lock:
            try:
                self.file.seek(start)
                return self.file.read(count, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError):
                return np.zeros((0, self.channels), dtype=np.float32)  # a damaged tail ends playback

    def close(self) -> None:
        with self._lock:
            self.file.close()


class Transport:
    """The cursor over a source: plays `start`..`stop` frames, wrapping to `first` when looping."""

    def __init__(self, source, first: int, stop: int, start: int, loop: bool):
        self.source, self.first, self.stop, self.loop = source, first, stop, loop
        self.cursor = min(max(start, first), stop)
        self.finished = stop <= first

    def pull(self, count: int, gain: float) -> np.ndarray:
        """The next `count` frames times `gain`, zero-padded once the end is reached."""
        out = np.zeros((count, self.source.channels), dtype=np.float32)
        filled = 0
        while filled < count and not self.finished:
            if self.cursor >= self.stop:
                if not self.loop:
                    self.finished = True
                    break
                self.cursor = self.first
            chunk = self.source.read(self.cursor, min(count - filled, self.stop - self.cursor))
            if not len(chunk):  # the file ended before its header said
                self.stop = self.cursor
                continue
            out[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
            self.cursor += len(chunk)
        if gain != 1.0:
            out *= gain
        return out


class AudioOutput(ABC):
    """Plays one clip at a time. Times are seconds within the clip; volume is linear gain 0..1."""

    available = True
    description = ""

    def __init__(self):
        self._transport: Transport | None = None
        self._rate = 0
        self._volume = 1.0
        self._lock = threading.Lock()

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        self._volume = min(max(float(value), 0.0), 1.0)

    def play(self, samples, rate: int, start: float = 0.0, loop: bool = False,
             region: tuple[float, float] | None = None) -> bool:
        """Play `samples` ((frames, channels) array, or a FileSource) at `rate` Hz from `start` seconds.

        With a `region` (start, end seconds) playback stays inside it, and `loop` wraps to its start;
        without one the whole clip is the region. Returns False when nothing can be played.
        """
        source = samples if isinstance(samples, FileSource) else ArraySource(samples)
        first, stop = 0, source.frames
        if region is not None:
            first = int(round(min(max(region[0], 0.0), source.frames / rate) * rate))
            stop = max(first, int(round(min(region[1], source.frames / rate) * rate)))
        transport = Transport(source, first, stop, int(round(start * rate)), loop)
        self.stop()
        with self._lock:
            self._transport, self._rate = transport, rate
        if not self._start(transport, rate):
            with self._lock:
                self._transport = None
            return False
        return True

    def stop(self) -> None:
        with self._lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            self._stop()

    @property
    def playing(self) -> bool:
        transport = self._transport
        return transport is not None and not transport.finished

    @property
    def position(self) -> float | None:
        """Seconds from the clip's start of what is playing now, None when stopped or finished."""
        transport = self._transport
        if transport is None or transport.finished:
            return None
        return transport.cursor / self._rate

    def _pull(self, count: int) -> np.ndarray | None:
        with self._lock:
            transport = self._transport
            if transport is None:
                return None
            return transport.pull(count, self._volume)

    @abstractmethod
    def _start(self, transport: Transport, rate: int) -> bool:
        """Begin pulling frames from `transport` at `rate` Hz."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop pulling frames."""


class SoundDeviceOutput(AudioOutput):
    """Playback through PortAudio (sounddevice) on one output device."""

    BLOCK = 1024  # frames per callback: ~20 ms at 48 kHz, short enough for a snappy stop

    def __init__(self, device: int | str | None = None):
        super().__init__()
        import sounddevice

        self._sd = sounddevice
        self.device = device
        info = sounddevice.query_devices(device, kind="output")
        self.description = info["name"]
        self._device_rate = int(info["default_samplerate"])
        self._stream = None

    def _start(self, transport: Transport, rate: int) -> bool:
        channels = transport.source.channels
        try:
            self._stream = self._open(rate, channels, self._direct)
        except self._sd.PortAudioError:
            # The device does not take this rate: resample to its own rate as the clip plays.
            self._resampler = _StreamResampler(self._pull, rate, self._device_rate, channels)
            try:
                self._stream = self._open(self._device_rate, channels, self._resampled)
            except self._sd.PortAudioError:
                return False
        self._stream.start()
        return True

    def _open(self, rate: int, channels: int, callback):
        return self._sd.OutputStream(samplerate=rate, channels=channels, dtype="float32", device=self.device,
                                     blocksize=self.BLOCK, callback=callback)

    def _direct(self, outdata, frames, time, status) -> None:
        self._fill(outdata, self._pull(frames))

    def _resampled(self, outdata, frames, time, status) -> None:
        self._fill(outdata, self._resampler.pull(frames))

    def _fill(self, outdata, block) -> None:
        if block is None:
            outdata.fill(0)
            raise self._sd.CallbackStop
        outdata[:] = block
        if not self.playing:
            raise self._sd.CallbackStop

    def _stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
            stream.close()


class _StreamResampler:
    """Pulls frames at one rate and hands them out at another (soxr streaming)."""

    def __init__(self, pull, source_rate: int, target_rate: int, channels: int):
        import soxr

        self.pull_source, self.ratio = pull, source_rate / target_rate
        self.stream = soxr.ResampleStream(source_rate, target_rate, channels, dtype="float32")
        self.pending = np.zeros((0, channels), dtype=np.float32)

    def pull(self, count: int) -> np.ndarray | None:
        while len(self.pending) < count:
            chunk = self.pull_source(max(64, int(np.ceil((count - len(self.pending)) * self.ratio))))
            if chunk is None:
                return None
            self.pending = np.concatenate([self.pending, self.stream.resample_chunk(chunk)])
        block, self.pending = self.pending[:count], self.pending[count:]
        return block


class NoOutput(AudioOutput):
    """What the app uses when there is no sound device: everything else keeps working."""

    available = False

    def __init__(self, reason: str = ""):
        super().__init__()
        self.description = f"{NO_OUTPUT} ({reason})" if reason else NO_OUTPUT

    def _start(self, transport: Transport, rate: int) -> bool:
        return False

    def _stop(self) -> None:
        return None


def output_devices() -> list[tuple[int, str]]:
    """(index, name) of every device that can play sound; empty when PortAudio is missing or finds none."""
    try:
        import sounddevice

        return [(index, device["name"]) for index, device in enumerate(sounddevice.query_devices())
                if device["max_output_channels"] > 0]
    except Exception:  # noqa: BLE001 — PortAudio missing or failing in any way: no devices to offer
        return []


def open_output(device: int | str | None = None) -> AudioOutput:
    """An output on `device` (default: the system's), or a NoOutput saying why there is none."""
    try:
        import sounddevice
    except (ImportError, OSError):  # the package, or the PortAudio library under it, is missing
        return NoOutput("PortAudio is not installed")
    try:
        return SoundDeviceOutput(device)
    except (sounddevice.PortAudioError, ValueError) as exc:  # no device at all, or no such device
        return NoOutput(f"device {device!r}: {exc}" if device is not None else "")
