"""Shared fixtures: tiny random-weight models built offline, once per test session."""

from __future__ import annotations

import os
import warnings

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.filterwarnings("ignore", message=".*deprecated.*")


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A tiny AudioLDM-format folder (16 kHz, 64 mels, hop 160) saved with save_pretrained."""
    from soundloom.engine.models.untrained import build_untrained_audioldm

    return build_untrained_audioldm(tmp_path_factory.mktemp("models") / "tiny-audioldm", "tiny", seed=0)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path):
    from soundloom.engine.models.loading import load_model

    return load_model(tiny_model_path)
