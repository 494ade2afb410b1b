"""The default model starts loading while the engine finishes starting; other uses wait for it."""

from __future__ import annotations

import logging

from soundloom.daemon.preload import PreloadingEngine


def test_a_preloaded_model_is_the_one_requests_get_and_is_loaded_once(tiny_model_path):
    engine = PreloadingEngine(device="cpu")
    engine.preload(tiny_model_path)
    model = engine.load(tiny_model_path)  # waits for the preload instead of loading a second copy
    assert engine.preload_s is not None and engine.preload_s > 0
    assert engine.model is model and model.path == tiny_model_path.resolve()
    assert engine.load(tiny_model_path) is model


def test_a_failed_preload_is_only_logged_and_the_first_request_loads_the_model(tiny_model_path, tmp_path, caplog):
    engine = PreloadingEngine(device="cpu")
    with caplog.at_level(logging.WARNING, logger="soundloom.daemon"):
        engine.preload(tmp_path / "not-a-model")
        engine.wait_for_preload()
    assert "could not preload" in caplog.text and engine.model is None
    assert engine.load(tiny_model_path).path == tiny_model_path.resolve()
