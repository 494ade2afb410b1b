"""LoRA fine-tuning of Tango (v-prediction, T5 cross-attention) and MusicLDM with the shared trainer, then
sampling with the adapter through the Engine."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.engine import Engine
from soundloom.engine.models.loading import load_model
from soundloom.engine.training.finetune import FinetuneSpec, train_adapter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folders(tango_hub_cache, tango_release_path, musicldm_path):
    return {"tango": tango_release_path, "musicldm": musicldm_path}


@pytest.mark.parametrize("family", ["tango", "musicldm"])
def test_an_adapter_trains_and_changes_what_the_engine_generates(folders, family, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    t = np.arange(16000) / 16000
    for i, name in enumerate(["Door_Slam_Wood_01.wav", "Glass_Break_02.wav"]):
        sf.write(library / name, (0.5 * np.sin(2 * np.pi * 300 * (i + 1) * t) * np.exp(-5 * t)).astype(np.float32), 16000)
    before = {p.name: p.read_bytes() for p in library.iterdir()}
    model = load_model(folders[family])
    spec = FinetuneSpec(folder=str(library), name="doors", base=family, model_path=str(folders[family]),
                        adapter_dir=str(tmp_path / "adapter"), steps=4, batch_size=2, checkpoint_every=2,
                        validation_prompts=[], window_s=1.0, learning_rate=5e-3)
    events = []
    record = train_adapter(spec, model, events.append, lambda: False)
    assert record["state"] == "ready" and record["steps_done"] == 4
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert {p.name: p.read_bytes() for p in library.iterdir()} == before  # the library is only read

    engine = Engine(device="cpu", dtype="float32")
    request = {"prompt": "door slam wood", "steps": 3, "seed": 5, "seconds": 1.0, "adapter_scale": 1.0}
    base = engine.run("generate", dict(request), model=folders[family]).audio[0]
    adapted = engine.run("generate", dict(request), model=folders[family], adapter=tmp_path / "adapter" / "lora").audio[0]
    assert base.shape == adapted.shape == (1, 16000)
    assert np.abs(adapted - base).max() > 1e-4 * np.abs(base).max()  # the trained update reaches the sound
