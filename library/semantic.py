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
# Texts per embed request (the protocol allows 256): small enough that a search's query, queued in
# the engine behind a scan's captions, waits for one short batch only.
BATCH = 64
MAX_CHARS = 2000
RETRY_S = 5.0  # after a failed connection, how long before trying again


class EmbeddingUnavailable(Exception):
    """No engine could embed text; the message says why, for the user."""


class EngineEmbedder:
    """Embeds texts through the engine of `connection_file` (default: the user's engine).

    Safe to call from several threads at once (a scan embedding captions while the desktop
    searches): the client is shared, and requests travel side by side.
    """

    def __init__(self, connection_file: str | os.PathLike | None = None, timeout: float = 120.0,
                 query_timeout: float = 10.0):
        self.connection_file = connection_file
        self.timeout = timeout  # a batch of captions; the first request also loads the encoder
        self.query_timeout = query_timeout  # a search waits no longer before ranking by words alone
        self._client = None
        self._lock = threading.Lock()
        self._failed_at = 0.0
        self._failure = ""

    def embed(self, texts: list[str], timeout: float | None = None) -> np.ndarray:
        """float32 [len(texts), 384], each row L2-normalised."""
        if not texts:
            return np.zeros((0, DIM), np.float32)
        client = self._connect()
        parts = []
        try:
            for i in range(0, len(texts), BATCH):
                parts.append(client.embed([t[:MAX_CHARS] for t in texts[i:i + BATCH]], timeout=timeout or self.timeout))
        except Exception as exc:  # the engine went away, refused or was too slow: fall back, reconnect later
            self._drop(client, f"the engine could not embed text ({_first_line(exc)})")
            raise EmbeddingUnavailable(self._failure) from None
        return np.concatenate(parts).astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        """One text's vector, waiting at most `query_timeout` seconds."""
        return self.embed([text], timeout=self.query_timeout)[0]

    def _connect(self):
        with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() - self._failed_at < RETRY_S:
                raise EmbeddingUnavailable(self._failure)
            from soundloom.sdk.client import Client
            from soundloom.sdk.errors import EngineNotFoundError

            try:
                self._client = Client.connect(self.connection_file, start=False, timeout=10.0)
            except EngineNotFoundError:
                self._failed_at, self._failure = time.monotonic(), "no engine is running (`soundloom serve` starts one)"
                raise EmbeddingUnavailable(self._failure) from None
            except Exception as exc:
                self._failed_at, self._failure = time.monotonic(), f"no engine to embed text ({_first_line(exc)})"
                raise EmbeddingUnavailable(self._failure) from None
            return self._client

    def _drop(self, client, reason: str) -> None:
        with self._lock:
            self._failed_at, self._failure = time.monotonic(), reason
            if self._client is not client:
                return  # another thread already replaced it
            self._client = None
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
