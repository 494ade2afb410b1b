"""The AsyncClient twin, driven with asyncio.run (no pytest plugin)."""

from __future__ import annotations

import asyncio
import inspect

import numpy as np
import pytest
from fake_engine import sine

from soundloom.protocol.errors import ErrorCode, SoundloomError
from soundloom.sdk import AsyncClient, AsyncJob, Client, JobCancelledError

WAIT_S = 60.0  # long enough for a loaded machine, short of a hang


async def until(condition) -> None:
    """Wait until `condition()` is true; the caller's asyncio.wait_for bounds the wait."""
    while not condition():
        await asyncio.sleep(0.01)


def test_the_async_client_generates_follows_progress_and_cancels(engine):
    engine.step_s = 0.005

    async def main():
        async with AsyncClient.connect(engine.connection_file, start=False, timeout=WAIT_S) as client:
            assert await client.ping() > 0
            clips = await client.generate("rain", seconds=0.5, seed=9, variations=2, steps=3)
            assert [c.metadata["seed"] for c in clips] == [9, 10]
            np.testing.assert_array_equal(clips[1].samples, sine(0.5, 220))

            job = await client.submit_generate("wind", seconds=0.5, steps=15)
            assert isinstance(job, AsyncJob)
            events = [event async for event in job.progress]
            assert events and events[-1][:2] == (15, 15)
            assert (await job.result(timeout=WAIT_S)).seconds == 0.5

            samples = np.linspace(-1, 1, 8000, dtype=np.float32)
            out = await client.transfer((samples, 16000), "glass", strength=1.0, steps=2)
            np.testing.assert_array_equal(engine.requests_of("transfer_request")[-1]["audio"][0][0], samples[None])
            assert not out.samples.any()

            engine.step_s = 0.02
            slow = await client.submit_generate("drone", seconds=0.5, steps=500)
            async for _ in slow.progress:
                break
            assert await slow.cancel() == "cancelled"
            with pytest.raises(JobCancelledError):
                await slow.result(timeout=WAIT_S)

            with pytest.raises(SoundloomError) as caught:
                await client.extend((samples, 16000), "", 1.0)
            assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_ARGUMENT, "prompt")
            assert (await client.models.list())[0]["name"] == "fake-model"

    asyncio.run(asyncio.wait_for(main(), 2 * WAIT_S))


def test_a_cancelled_task_cancels_its_engine_job(engine):
    engine.step_s = 0.02

    async def main():
        async with await AsyncClient.connect(engine.connection_file, start=False, timeout=WAIT_S) as client:
            task = asyncio.create_task(client.generate("long", seconds=0.5, steps=1000))
            await until(lambda: engine.jobs)  # the engine has the job
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await until(lambda: any(j.state == "cancelled" for j in engine.jobs.values()))
            assert [j.state for j in engine.jobs.values()] == ["cancelled"]

    asyncio.run(asyncio.wait_for(main(), 2 * WAIT_S))


def test_the_blocking_client_has_the_same_methods_and_signatures():
    public = [name for name, _ in inspect.getmembers(AsyncClient, inspect.isfunction) if not name.startswith("_")]
    assert {"generate", "submit_extend", "job_result", "ping", "shutdown"} <= set(public)
    for name in public:
        blocking, asynchronous = inspect.signature(getattr(Client, name)), inspect.signature(getattr(AsyncClient, name))
        assert blocking.parameters == asynchronous.parameters, name
        expected = "Job" if asynchronous.return_annotation == "AsyncJob" else asynchronous.return_annotation
        assert blocking.return_annotation == expected, name
    assert inspect.signature(Client.connect).parameters.keys() == inspect.signature(AsyncClient.connect).parameters.keys()
    assert "Job" in Client.submit_generate.__doc__ and "AsyncJob" not in Client.submit_generate.__doc__
