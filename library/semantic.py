"""Caption embeddings for semantic search, made by the engine's text encoder (all-MiniLM-L6-v2).

The index never imports torch: it asks a running engine (`embed` request) for the vectors. With
no engine running, captions wait unembedded and search falls back to text alone, saying so. An
engine is never started just for this (that costs seconds and memory the user did not ask for).
"""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np

log = logging.getLogger("soundloom.library")
MODEL = "all-MiniLM-L6-v2"
DIM = 384
BATCH = 256  # texts per embed request (the protocol's limit)
MAX_CHARS = 2000
RETRY_S = 5.0  # after a failed connection, how long before trying again


class EmbeddingUnavailable(Exception):
    """No engine could embed text; the message says why, for the user."""


class EngineEmbedder:
    """Embeds texts through the engine of `connection_file` (default: the user's engine)."""

    def __init__(self, connection_file: str | os.PathLike | None = None, timeout: float = 60.0):
        self.connection_file = connection_file
        self.timeout = timeout
        self._client = None
        self._lock = threading.Lock()
        self._failed_at = 0.0
        self._failure = ""

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 [len(texts), 384], each row L2-normalised."""
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with self._lock:
            client = self._connect()
            try:
                parts = [client.embed([t[:MAX_CHARS] or " " for t in texts[i:i + BATCH]])
                         for i in range(0, len(texts), BATCH)]
            except Exception as exc:  # the engine went away or refused: fall back, and reconnect next time
                self._drop(f"the engine could not embed text ({exc})")
                raise EmbeddingUnavailable(self._failure) from None
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _connect(self):
        if self._client is not None:
            return self._client
        if time.monotonic() - self._failed_at < RETRY_S:
            raise EmbeddingUnavailable(self._failure)
        from soundloom.sdk.client import Client
        from soundloom.sdk.errors import EngineNotFoundError

        try:
            self._client = Client.connect(self.connection_file, start=False, timeout=min(self.timeout, 10.0))
        except EngineNotFoundError:
            self._failed_at, self._failure = time.monotonic(), "no engine is running (`soundloom serve` starts one)"
            raise EmbeddingUnavailable(self._failure) from None
        except Exception as exc:
            self._failed_at, self._failure = time.monotonic(), f"no engine to embed text ({_first_line(exc)})"
            raise EmbeddingUnavailable(self._failure) from None
        return self._client

    def _drop(self, reason: str) -> None:
        client, self._client = self._client, None
        self._failed_at, self._failure = time.monotonic(), reason
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def matrix_of(blobs: list[bytes]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, DIM), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), DIM)
