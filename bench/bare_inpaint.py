"""The baseline both regenerate benches compare against: the engine's inpaint in a process of its own."""

from __future__ import annotations

import time


def bare_inpaint_worker(connection, model_path: str, clip: str, steps: int, prompt: str,
                        region: tuple[float, float]) -> None:
    """Load the model, then time one bare inpaint of `region` in `clip` per seed received (None ends)."""
    import soundfile as sf

    from soundloom.engine.models.loading import load_model
    from soundloom.engine.pipelines.inpaint import inpaint
    from soundloom.engine.pipelines.requests import InpaintRequest

    model = load_model(model_path)
    samples, rate = sf.read(clip, dtype="float32", always_2d=True)
    audio = samples.T.copy()
    while (seed := connection.recv()) is not None:
        start = time.perf_counter()
        inpaint(model, InpaintRequest(prompt=prompt, audio=audio, sample_rate=rate, regions=[region], steps=steps,
                                      seed=seed))
        connection.send(time.perf_counter() - start)
