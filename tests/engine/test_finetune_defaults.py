"""Fine-tuning's defaults: steps scaled by the library's size, and the strength a finished adapter is saved at."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from soundloom.engine.models.loading import load_model
from soundloom.engine.training import finetune_defaults as defaults
from soundloom.engine.training import lora
from soundloom.engine.training.finetune import ADAPTER_NAME, FinetuneSpec, train_adapter
from soundloom.protocol.errors import SoundloomError


def test_steps_grow_with_the_library_but_more_slowly_than_it():
    assert defaults.steps_for_library(20) == 1300
    assert defaults.steps_for_library(50) == 2000
    assert defaults.steps_for_library(150) == 3500
    assert defaults.steps_for_library(500) == defaults.MAX_STEPS == 5000
    # Fewer passes over each file as the library grows: 20 files are seen far more often than 150.
    passes = {n: defaults.steps_for_library(n) * defaults.BATCH_SIZE / n for n in (20, 150, 500)}
    assert passes[20] > passes[150] > passes[500] > 50


def test_steps_stay_within_their_bounds_and_never_fall_as_files_are_added():
    steps = [defaults.steps_for_library(n) for n in range(1, 3001)]
    assert min(steps) == defaults.MIN_STEPS and max(steps) == defaults.MAX_STEPS
    assert all(b >= a for a, b in zip(steps, steps[1:]))
    assert all(s % 100 == 0 for s in steps)
    with pytest.raises(ValueError, match="at least one file"):
        defaults.steps_for_library(0)


def _library(folder, files: int):
    folder.mkdir()
    t = np.arange(8000) / 16000
    for i in range(files):
        sf.write(folder / f"hit_{i}.wav", np.sin(2 * np.pi * 150 * (i + 1) * t) * np.exp(-8 * t), 16000)
    return folder


@pytest.mark.slow
def test_a_run_given_no_step_count_takes_it_from_the_library_and_keeps_it_on_resume(tiny_model_path, tmp_path):
    library, adapter = _library(tmp_path / "library", 3), tmp_path / "adapter"
    spec = dict(folder=str(library), name="hits", base="tiny", model_path=str(tiny_model_path), adapter_dir=str(adapter),
                batch_size=1, validation_prompts=[])
    events = []
    with pytest.raises(SoundloomError, match="cancelled at step 1"):  # stopped after one step: the length is what counts
        train_adapter(FinetuneSpec(**spec), load_model(tiny_model_path), events.append, lambda: len(events) > 1)
    record = json.loads((adapter / "adapter.json").read_text())
    assert record["steps"] == defaults.steps_for_library(3) == defaults.MIN_STEPS
    assert events[1]["total"] == defaults.MIN_STEPS

    # Files added before resuming do not change the run's length.
    for i in range(40):
        (library / f"extra_{i}.wav").write_bytes((library / "hit_0.wav").read_bytes())
    events.clear()
    with pytest.raises(SoundloomError, match="cancelled at step 2"):
        train_adapter(FinetuneSpec(**spec, resume=True), load_model(tiny_model_path), events.append, lambda: len(events) > 1)
    assert events[1]["total"] == defaults.MIN_STEPS


def test_the_finished_adapter_applies_its_saved_strength_at_adapter_scale_one(tiny_model_path, tmp_path):
    library, adapter = _library(tmp_path / "library", 2), tmp_path / "adapter"
    spec = FinetuneSpec(folder=str(library), name="hits", base="tiny", model_path=str(tiny_model_path), adapter_dir=str(adapter),
                        steps=2, batch_size=1, validation_prompts=[], learning_rate=1e-2, strength=0.6)
    trained = load_model(tiny_model_path)
    record = train_adapter(spec, trained, lambda event: None, lambda: False)
    assert record["state"] == "ready" and record["strength"] == 0.6

    fresh = load_model(tiny_model_path)
    lora.load(adapter / "lora", fresh.unet, "hits")
    lora.select(fresh.unet, "hits", 1.0)
    trained_layers = {n: m for n, m in trained.unet.named_modules() if hasattr(m, "scaling") and ADAPTER_NAME in m.scaling}
    loaded_layers = {n: m for n, m in fresh.unet.named_modules() if hasattr(m, "scaling") and "hits" in m.scaling}
    assert trained_layers.keys() == loaded_layers.keys() and loaded_layers
    for name, layer in loaded_layers.items():
        # Same weights; the loaded adapter's update is 0.6 of the trained one at the request default.
        assert layer.scaling["hits"] == pytest.approx(0.6 * trained_layers[name].scaling[ADAPTER_NAME])
        assert np.allclose(layer.lora_B["hits"].weight.detach().numpy(), trained_layers[name].lora_B[ADAPTER_NAME].weight.detach().numpy())
