"""The soundloom SDK: talk to a soundloom engine from Python.

    from soundloom.sdk import Client

    with Client.connect() as client:          # starts an engine if none is running
        clip = client.generate("rain on a tin roof", seconds=4, seed=7)
        clip.save("rain.wav", sample_rate=48000)

`AsyncClient` is the asyncio twin of `Client`. Operations return `Audio` (float32 samples
[channels, samples] at `sample_rate` Hz, with the settings that made them in `metadata`).
"""

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk.async_client import AsyncAdapters, AsyncClient, AsyncModels
from soundloom.sdk.audio import Audio
from soundloom.sdk.client import Adapters, Client, Models
from soundloom.sdk.errors import (
    ClientClosedError,
    EngineDiedError,
    EngineNotFoundError,
    EngineStartError,
    EngineWarning,
    JobCancelledError,
)
from soundloom.sdk.job import AsyncJob, Job, Validation

__all__ = [
    "Adapters",
    "AsyncAdapters",
    "AsyncClient",
    "AsyncJob",
    "AsyncModels",
    "Audio",
    "Client",
    "ClientClosedError",
    "EngineDiedError",
    "EngineNotFoundError",
    "EngineStartError",
    "EngineWarning",
    "ErrorCode",
    "Job",
    "JobCancelledError",
    "Models",
    "SoundloomError",
    "Validation",
]
