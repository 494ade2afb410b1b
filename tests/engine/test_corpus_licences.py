"""The licence-clean corpus: copyleft and share-alike recordings only with --include-copyleft."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from soundloom.engine.training.corpus import MissingDependency, build_corpus, read_manifest
from soundloom.engine.training.corpus.licences import free_for_outputs, needs_attribution
from soundloom.engine.training.corpus.specs import make_specs

def is_copyleft(licence: str) -> bool:
    return bool(re.search(r"GPL|GFDL|(^|-)SA(-|$)", licence, re.I))


def test_licence_policy_reads_debian_licence_names():
    for name in ("CC0", "CC-BY-3.0", "CC-BY-4.0", "MIT", "public-domain"):
        assert free_for_outputs(name), name
    for name in ("GPL-2", "GPL-2+ with composition exception", "GFDL-1.3", "CC-BY-SA-3.0", "CC-BY-SA-3.0-us",
                 "LGPL-2.1", "see copyright file", "unknown"):
        assert not free_for_outputs(name), name
    assert needs_attribution("CC-BY-3.0") and not needs_attribution("CC0")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, list[dict]]:
    """Two recordings-only corpora, with and without copyleft recordings (1 per class)."""
    out = {}
    for name, include in (("clean", False), ("copyleft", True)):
        root = tmp_path_factory.mktemp("licences") / name
        try:
            build_corpus(root, seed=3, sources=("recordings",), max_recordings_per_class=1, mixes=0, jobs=2,
                         progress=False, include_copyleft=include)
        except MissingDependency as err:
            pytest.fail(str(err))
        out[name] = read_manifest(root)
    return out


def test_default_manifest_has_no_copyleft_licence(corpora):
    licences = {e["licence"]["licence"] for e in corpora["clean"]}
    assert licences and not any(is_copyleft(name) for name in licences)
    assert all(free_for_outputs(name) for name in licences)


def test_include_copyleft_brings_gpl_gfdl_and_share_alike_back(corpora):
    licences = {e["licence"]["licence"] for e in corpora["copyleft"]}
    assert any(name.startswith("GPL") for name in licences)
    assert any(name.startswith("GFDL") for name in licences)
    assert any("-SA-" in name for name in licences)


def test_clean_plan_keeps_every_class_and_its_clip_count():
    """Each copyleft recording left out is replaced by a synthesised clip of its class."""
    clean = make_specs(5, per_class=1, max_recordings_per_class=4)
    full = make_specs(5, per_class=1, max_recordings_per_class=4, include_copyleft=True)
    assert Counter(s.cls for s in clean) == Counter(s.cls for s in full)
    assert sum(s.source == "recordings" for s in clean) < sum(s.source == "recordings" for s in full)
    # The replacement clips get the next indices: the smaller plan's synthetic clips are unchanged.
    full_ids = {s.id: s.params for s in full}
    assert all(full_ids[s.id] == s.params for s in clean if s.id in full_ids)
