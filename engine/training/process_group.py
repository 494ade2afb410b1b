"""The data-parallel processes of one fine-tuning run, as the training loop needs them.

One process (the usual case) is a group of one: every method is then the identity and costs
nothing. With several (one per GPU, started by `finetune_process`), each draws its own share of
the batch and its own noise; before every optimiser step the adapter's gradients are averaged
over the group, so every process holds the same adapter, and decisions to stop are agreed so no
process waits for one that has left. The first process writes checkpoints, renders and events.
"""

from __future__ import annotations

import torch


class ProcessGroup:
    def __init__(self, accelerator):
        self.accelerator = accelerator
        self.size = accelerator.num_processes
        self.rank = accelerator.process_index
        self.main = accelerator.is_main_process

    @property
    def rank_seed(self) -> list[int]:
        """What sets this process's random draws apart from the others' (nothing for a group of one,
        whose draws stay those of a single-process run)."""
        return [self.rank] if self.size > 1 else []

    def share(self, batch: int) -> int:
        """This process's part of a batch of `batch` examples (at least one)."""
        return max(1, -(-batch // self.size))

    def average_gradients(self, params: list[torch.nn.Parameter]) -> None:
        """Average the gradients of `params` over the group, in one exchange."""
        if self.size == 1:
            return
        grads = [p.grad for p in params if p.grad is not None]
        flat = self.accelerator.reduce(torch.cat([g.reshape(-1) for g in grads]), reduction="mean")
        for grad, part in zip(grads, flat.split([g.numel() for g in grads])):
            grad.copy_(part.view_as(grad))

    def mean(self, value: torch.Tensor) -> float:
        """A scalar averaged over the group (the loss every process reports alike)."""
        if self.size == 1:
            return value.item()
        return self.accelerator.reduce(value.reshape(1).float(), reduction="mean").item()

    def any(self, flag: bool) -> bool:
        """True on every process when it is true on any (a cancel, a missing folder)."""
        if self.size == 1:
            return flag
        count = torch.tensor([1.0 if flag else 0.0], device=self.accelerator.device)
        return self.accelerator.reduce(count, reduction="sum").item() > 0
