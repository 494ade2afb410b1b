"""Coarse-to-fine sampling as one timeline: every step of the coarse stage, then every step of the fine.

DiscoDiff samples in two passes: the coarse model denoises the first RVQ level(s) from noise to the
end, then the fine model denoises the remaining levels given those clean coarse levels. The shared
sampling loop runs one list of timesteps over one latent tensor, so a run of n steps per stage is
laid out as 2n timesteps: the coarse stage's, shifted up by `num_train_timesteps` so that the model
(and this scheduler) can tell them apart, then the fine stage's. Each stage has a scheduler of its
own (multistep solvers keep a history), and each one steps only its own channels.

Inpainting and style transfer need nothing more: `add_noise` at a coarse-stage timestep noises the
coarse channels to that level and the fine ones to the fine stage's starting level; at a fine-stage
timestep the coarse channels are already clean. Cutting the timeline for a partial strength keeps
the tail of the coarse stage and the whole fine stage, which is DiscoDiff's own audio editing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import math

import diffusers
import torch

IMPORTANCE_FLOOR = 0.2  # keeps the least noisy timesteps drawn now and then


def importance_timesteps(count: int, batch: int, generator: torch.Generator) -> torch.Tensor:
    """Training timesteps as DiscoDiff draws them: t in [0, count) with probability growing like
    sin(t / count · π/2) + 0.2, so heavily noised steps, where the coarse structure is decided, are
    drawn about six times as often as nearly clean ones."""
    weights = torch.sin(torch.arange(count, dtype=torch.float64) / count * (math.pi / 2)) + IMPORTANCE_FLOOR
    return torch.multinomial(weights / weights.sum(), batch, replacement=True, generator=generator)


@dataclass
class StageStep:
    prev_sample: torch.Tensor


class StagedSchedulerConfig(dict):
    """A noise-schedule config that builds a two-stage scheduler instead of a plain one.

    `coarse_channels` is how many latent channels the coarse stage generates; the rest are fine.
    """

    def __init__(self, config: dict[str, Any], coarse_channels: int):
        super().__init__(config)
        self.coarse_channels = coarse_channels

    def build(self, class_name: str, overrides: dict[str, Any]) -> "TwoStageScheduler":
        cls = getattr(diffusers, class_name)
        make = lambda: cls.from_config(dict(self), **overrides)  # noqa: E731 - one fresh solver per stage
        return TwoStageScheduler(make(), make(), self.coarse_channels)


class TwoStageScheduler:
    """Two diffusers schedulers behind the interface the sampling loop uses."""

    def __init__(self, coarse, fine, coarse_channels: int):
        self.coarse, self.fine, self.coarse_channels = coarse, fine, coarse_channels
        self.offset = int(coarse.config.num_train_timesteps)
        self.timesteps = torch.zeros(0, dtype=torch.long)

    @property
    def config(self):
        return self.coarse.config

    @property
    def order(self) -> int:
        return self.coarse.order

    @property
    def init_noise_sigma(self) -> float:
        return self.coarse.init_noise_sigma

    def set_timesteps(self, steps: int, device: torch.device | str | None = None) -> None:
        self.coarse.set_timesteps(steps, device=device)
        self.fine.set_timesteps(steps, device=device)
        self.timesteps = torch.cat([self.coarse.timesteps + self.offset, self.fine.timesteps])

    def set_begin_index(self, index: int) -> None:
        # A partial strength starts inside the coarse stage; the fine stage always runs whole.
        if hasattr(self.coarse, "set_begin_index"):
            self.coarse.set_begin_index(index)

    def is_coarse(self, timestep: torch.Tensor | int) -> bool:
        return int(timestep) >= self.offset

    def _stage(self, timestep) -> tuple[Any, torch.Tensor, slice]:
        t = torch.as_tensor(timestep)
        if self.is_coarse(t.reshape(-1)[0]):
            return self.coarse, t - self.offset, slice(0, self.coarse_channels)
        return self.fine, t, slice(self.coarse_channels, None)

    def scale_model_input(self, sample: torch.Tensor, timestep) -> torch.Tensor:
        scheduler, t, channels = self._stage(timestep)
        out = sample.clone()
        out[:, channels] = scheduler.scale_model_input(sample[:, channels], t)
        return out

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, generator=None, **kwargs) -> StageStep:
        scheduler, t, channels = self._stage(timestep)
        if generator is not None:
            kwargs["generator"] = generator
        out = sample.clone()
        out[:, channels] = scheduler.step(model_output[:, channels], t, sample[:, channels], **kwargs).prev_sample
        return StageStep(out)

    def add_noise(self, original: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        c = self.coarse_channels
        out = original.clone()
        if self.is_coarse(timesteps.reshape(-1)[0]):
            out[:, :c] = self.coarse.add_noise(original[:, :c], noise[:, :c], timesteps - self.offset)
            out[:, c:] = self.fine.add_noise(original[:, c:], noise[:, c:], self.fine.timesteps[:1])
        else:
            out[:, c:] = self.fine.add_noise(original[:, c:], noise[:, c:], timesteps)
        return out
