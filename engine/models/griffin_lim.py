"""A vocoder with no weights: invert a log-mel spectrogram by Griffin-Lim phase recovery."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from soundloom.engine.models.mel import MelConfig, MelFrontEnd

NNLS_ITERATIONS = 30  # enough to move partials off the pseudo-inverse's spread; more changes little


class GriffinLim(torch.nn.Module):
    """log-mel [batch, frames, n_mels] → waveform [batch, frames × hop], same framing as MelFrontEnd.

    The linear magnitude is the non-negative least-squares solution of mel = magnitude × filters
    (`nnls_iterations` multiplicative updates from the pseudo-inverse): the pseudo-inverse spreads
    a partial over its whole mel band, NNLS keeps it near where the two overlapping filters place
    it, which is what keeps pitch after resynthesis. 0 iterations = the pseudo-inverse alone.
    """

    def __init__(self, mel: MelConfig, iterations: int = 32, momentum: float = 0.99, nnls_iterations: int = NNLS_ITERATIONS):
        super().__init__()
        self.mel, self.iterations, self.momentum, self.nnls_iterations = mel, iterations, momentum, nnls_iterations
        filters = MelFrontEnd(mel).filters  # [freq, mels]
        self.register_buffer("filters", filters, persistent=False)
        self.register_buffer("inverse", torch.linalg.pinv(filters), persistent=False)  # [mels, freq]
        self.register_buffer("window", torch.hann_window(mel.win_length), persistent=False)

    @classmethod
    def from_pretrained(cls, folder: str | Path, mel: MelConfig, **_) -> "GriffinLim":
        config = json.loads((Path(folder) / "config.json").read_text())
        return cls(mel, int(config.get("iterations", 32)), float(config.get("momentum", 0.99)),
                   int(config.get("nnls_iterations", NNLS_ITERATIONS)))

    def magnitude(self, log_mel: torch.Tensor) -> torch.Tensor:
        """Linear magnitude [batch, frames, freq] whose mel projection best matches `log_mel`."""
        target = torch.exp(log_mel.float())
        estimate = torch.clamp(target @ self.inverse, min=0.0)
        if self.nnls_iterations:
            # Lee–Seung updates keep the estimate non-negative; a zero would stay zero, so start above it.
            estimate = estimate + 1e-6 * target.amax(dim=-1, keepdim=True)
            numerator = target @ self.filters.T
            for _ in range(self.nnls_iterations):
                estimate = estimate * numerator / ((estimate @ self.filters) @ self.filters.T + 1e-12)
        return estimate

    def _stft(self, x: torch.Tensor) -> torch.Tensor:
        m = self.mel
        return torch.stft(x, m.n_fft, m.hop_length, m.win_length, self.window, center=True, return_complex=True)

    def _istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        m = self.mel
        return torch.istft(spec, m.n_fft, m.hop_length, m.win_length, self.window, center=True, length=length)

    @torch.no_grad()
    def forward(self, log_mel: torch.Tensor) -> torch.Tensor:
        frames = log_mel.shape[1]
        length = frames * self.mel.hop_length
        magnitude = self.magnitude(log_mel).transpose(1, 2)  # [b, freq, frames]
        # Analysis frames are centred half a hop later than torch.stft(center=True) puts them.
        generator = torch.Generator(device=log_mel.device).manual_seed(0)
        angles = torch.exp(2j * torch.pi * torch.rand(magnitude.shape, generator=generator, device=log_mel.device))
        previous = torch.zeros_like(angles)
        for _ in range(self.iterations):
            signal = self._istft(magnitude * angles, length + self.mel.hop_length)
            rebuilt = self._stft(signal)[..., : magnitude.shape[-1]]
            # Fast Griffin-Lim (Perraudin et al.): extrapolate the phase estimate with momentum.
            accelerated = rebuilt - (self.momentum / (1 + self.momentum)) * previous
            previous = rebuilt
            angles = accelerated / accelerated.abs().clamp(min=1e-8)
        signal = self._istft(magnitude * angles, length + self.mel.hop_length)
        shift = self.mel.hop_length // 2
        return signal[:, shift : shift + length]
