"""Tiny random-weight folders of every model family, built offline once per test session.

The family tests only read these folders (a test that damages one copies it first), so one build
of each serves every module. Tango's FLAN-T5 and scheduler configs live in a Hugging Face cache
layout of their own; `tango_hub_cache` points HF_HUB_CACHE at it for the module that asks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # pytest runs with --import-mode=importlib: make the helpers importable
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def audioldm2_path(tmp_path_factory):
    from soundloom.engine.models.untrained_audioldm2 import build_untrained_audioldm2

    return build_untrained_audioldm2(tmp_path_factory.mktemp("models") / "tiny-audioldm2", "tiny", seed=0)


@pytest.fixture(scope="session")
def musicldm_path(tmp_path_factory):
    from soundloom.engine.models.untrained_musicldm import build_untrained_musicldm

    return build_untrained_musicldm(tmp_path_factory.mktemp("models") / "musicldm-tiny", seed=0)


@pytest.fixture(scope="session")
def stable_audio_path(tmp_path_factory):
    from soundloom.engine.models.untrained_stable_audio import build_untrained_stable_audio

    return build_untrained_stable_audio(tmp_path_factory.mktemp("models") / "tiny-stable-audio", "tiny", seed=0)


@pytest.fixture(scope="session")
def discodiff_path(tmp_path_factory):
    from soundloom.engine.models.untrained_discodiff import build_untrained_discodiff

    return build_untrained_discodiff(tmp_path_factory.mktemp("models") / "discodiff-tiny", seed=0)


@pytest.fixture(scope="session")
def tango_dependencies(tmp_path_factory):
    """A hub cache holding what a Tango release names but does not contain (FLAN-T5, SD 2.1's scheduler)."""
    from soundloom.engine.models.untrained_tango import write_tango_dependencies

    cache = tmp_path_factory.mktemp("hf-hub-tango")
    write_tango_dependencies(cache)
    return cache


@pytest.fixture(scope="module")
def tango_hub_cache(tango_dependencies):
    """`tango_dependencies` as the user's Hugging Face cache, for the whole module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_CACHE", str(tango_dependencies))
        yield tango_dependencies


@pytest.fixture(scope="session")
def tango_release_path(tmp_path_factory):
    """A tiny Tango in Tango's own release layout (loading it needs `tango_hub_cache`)."""
    from soundloom.engine.models.untrained_tango import build_untrained_tango

    return build_untrained_tango(tmp_path_factory.mktemp("models") / "tango-tiny", seed=0)
