"""Shape of a Descript Audio Codec (DAC): widths, strides and codebooks.

The field names are the keyword arguments the published model saves in its weights file
(`metadata["kwargs"]`), so a published configuration reads straight into `DACConfig`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from soundloom.protocol.errors import ErrorCode, SoundloomError

# Keyword arguments of the published model that only matter while training it.
_TRAINING_ONLY = ("quantizer_dropout",)


@dataclass(frozen=True)
class DACConfig:
    """Widths and strides of a DAC; `sample_rate` in Hz, `latent_dim` in channels per frame."""

    encoder_dim: int = 64
    encoder_rates: tuple[int, ...] = (2, 4, 8, 8)
    latent_dim: int | None = None  # None: encoder_dim doubled once per encoder stride
    decoder_dim: int = 1536
    decoder_rates: tuple[int, ...] = (8, 8, 4, 2)
    n_codebooks: int = 9
    codebook_size: int = 1024
    codebook_dim: int = 8
    sample_rate: int = 44100
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "encoder_rates", tuple(int(r) for r in self.encoder_rates))
        object.__setattr__(self, "decoder_rates", tuple(int(r) for r in self.decoder_rates))
        if self.latent_dim is None:
            object.__setattr__(self, "latent_dim", self.encoder_dim * 2 ** len(self.encoder_rates))
        for name in ("encoder_dim", "latent_dim", "decoder_dim", "n_codebooks", "codebook_size", "codebook_dim", "sample_rate"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SoundloomError(ErrorCode.OUT_OF_RANGE, f"must be a positive integer, got {value!r}", name)
        for name in ("encoder_rates", "decoder_rates"):
            rates = getattr(self, name)
            if not rates or any(r < 1 for r in rates):
                raise SoundloomError(ErrorCode.OUT_OF_RANGE, f"must be a non-empty list of positive strides, got {list(rates)}", name)
        if self.decoder_dim % 2 ** len(self.decoder_rates):
            raise SoundloomError(
                ErrorCode.OUT_OF_RANGE,
                f"must be divisible by 2**{len(self.decoder_rates)} (the decoder halves it once per stride), got {self.decoder_dim}",
                "decoder_dim",
            )
        if math.prod(self.encoder_rates) != math.prod(self.decoder_rates):
            raise SoundloomError(
                ErrorCode.INVALID_ARGUMENT,
                f"decoder strides multiply to {math.prod(self.decoder_rates)}, encoder strides to {math.prod(self.encoder_rates)}; they must match",
                "decoder_rates",
            )

    @property
    def hop_length(self) -> int:
        """Audio samples per latent frame."""
        return math.prod(self.encoder_rates)

    @property
    def frame_rate(self) -> float:
        """Latent frames per second of audio (Hz)."""
        return self.sample_rate / self.hop_length

    def to_kwargs(self) -> dict[str, Any]:
        """The published keyword-argument form (lists, not tuples), as stored in a weights file."""
        kwargs = {k: v for k, v in asdict(self).items() if k != "extra"}
        kwargs["encoder_rates"] = list(self.encoder_rates)
        kwargs["decoder_rates"] = list(self.decoder_rates)
        return {**self.extra, **kwargs}

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> "DACConfig":
        """Read the keyword arguments of a published weights file; training-only ones are kept aside."""
        if not isinstance(kwargs, dict):
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"must be a mapping, got {type(kwargs).__name__}", "kwargs")
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        unknown = sorted(set(kwargs) - known - set(_TRAINING_ONLY))
        if unknown:
            raise SoundloomError(ErrorCode.INVALID_ARGUMENT, f"unknown DAC settings {unknown}; known: {sorted(known)}", "kwargs")
        if isinstance(kwargs.get("codebook_dim"), (list, tuple)):
            dims = set(kwargs["codebook_dim"])
            if len(dims) != 1:
                raise SoundloomError(
                    ErrorCode.INVALID_ARGUMENT, f"codebooks of different widths {kwargs['codebook_dim']} are not supported", "codebook_dim"
                )
            kwargs = {**kwargs, "codebook_dim": dims.pop()}
        extra = {k: kwargs[k] for k in _TRAINING_ONLY if k in kwargs}
        return cls(**{k: v for k, v in kwargs.items() if k in known}, extra=extra)


# The published 44.1 kHz model: 86 frames a second of 1024 channels, 9 codebooks of 1024 x 8.
DAC_44KHZ = DACConfig()
# About 40 thousand parameters with every part of the real layout: fast enough for tests and debugging.
DAC_TINY = DACConfig(
    encoder_dim=4, encoder_rates=(2, 4, 4), decoder_dim=32, decoder_rates=(4, 4, 2), n_codebooks=4, codebook_size=32, codebook_dim=4
)
