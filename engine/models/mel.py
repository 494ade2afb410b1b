"""Log-mel front end in AudioLDM's convention, so real AudioLDM VAEs and vocoders accept its output.

AudioLDM (and the HiFi-GAN vocoder it ships) expects the natural log of a magnitude mel spectrogram,
clamped at 1e-5, with Slaney-normalised filters, reflect padding of (n_fft - hop) / 2 on each side
and no centring, which gives exactly one frame per hop of input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers.audio_utils import mel_filter_bank


@dataclass(frozen=True)
class MelConfig:
    """Front-end settings; rates in Hz, sizes in samples."""

    sample_rate: int = 16000
    n_mels: int = 64
    hop_length: int = 160
    n_fft: int = 1024
    win_length: int = 1024
    f_min: float = 0.0
    f_max: float | None = None  # None: Nyquist
    log_floor: float = 1e-5


class MelFrontEnd(torch.nn.Module):
    """Waveform [batch, samples] at `sample_rate` → log-mel [batch, frames, n_mels]."""

    def __init__(self, config: MelConfig):
        super().__init__()
        self.config = config
        filters = mel_filter_bank(
            num_frequency_bins=config.n_fft // 2 + 1,
            num_mel_filters=config.n_mels,
            min_frequency=config.f_min,
            max_frequency=config.f_max or config.sample_rate / 2,
            sampling_rate=config.sample_rate,
            norm="slaney",
            mel_scale="slaney",
        )
        self.register_buffer("filters", torch.tensor(filters, dtype=torch.float32), persistent=False)
        self.register_buffer("window", torch.hann_window(config.win_length), persistent=False)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        c = self.config
        pad = (c.n_fft - c.hop_length) // 2
        padded = torch.nn.functional.pad(waveform.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
        spec = torch.stft(
            padded.float(),
            n_fft=c.n_fft,
            hop_length=c.hop_length,
            win_length=c.win_length,
            window=self.window,
            center=False,
            return_complex=True,
        ).abs()
        mel = torch.matmul(spec.transpose(1, 2), self.filters)
        return torch.log(torch.clamp(mel, min=c.log_floor))
