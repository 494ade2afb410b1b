"""Semantic search through a real engine: captions are embedded by MiniLM over real sockets, and a
query finds sounds by meaning; with no engine, search says it fell back to text."""

from __future__ import annotations

import pytest

from soundloom.library import LibraryIndex

from .conftest import noise


@pytest.fixture
def captioned(tmp_path):
    root = tmp_path / "lib"
    for name, caption in (("a1", "anvil strike"), ("a2", "soft rain"), ("a3", "birds chirping at dawn"),
                          ("a4", "wooden door creak"), ("a5", "crowd applause")):
        noise(root / f"{name}.wav", seconds=0.3, seed=len(caption))
        (root / f"{name}.txt").write_text(caption)
    return root


def test_meaning_ranks_anvil_above_rain_through_the_engine(daemon, captioned, tmp_path):
    with LibraryIndex.open(tmp_path / "data" / "library.sqlite3", connection_file=daemon.connection_file) as index:
        index.add_root(captioned)
        report = index.scan()
        assert report.embedded == 5 and not report.notices
        results = index.search("something heavy hitting metal")
        assert results.semantic and results.notice is None
        ranking = [(r.caption, r.score) for r in results]
        assert ranking[0][0] == "anvil strike", ranking
        rain = [score for caption, score in ranking if caption == "soft rain"]
        assert not rain or rain[0] < ranking[0][1], ranking  # below the floor of meaning, or ranked lower

        # Text and meaning mix: a word match still ranks high, and excluded words still exclude.
        assert index.search("rain")[0].caption == "soft rain"
        assert "anvil strike" not in [r.caption for r in index.search("heavy metal -anvil")]
        # A caption the user edits is embedded again at the next scan.
        index.set_caption(captioned / "a2.wav", "blacksmith hammering iron")
        assert index.scan().embedded == 1
        top = [r.caption for r in index.search("something heavy hitting metal", limit=3)]
        assert "blacksmith hammering iron" in top


def test_without_an_engine_search_falls_back_to_text_and_says_so(captioned, tmp_path):
    missing = tmp_path / "run" / "engine.json"
    with LibraryIndex.open(tmp_path / "data" / "library.sqlite3", connection_file=missing) as index:
        index.add_root(captioned)
        report = index.scan()
        assert report.embedded == 0 and any("no engine is running" in n for n in report.notices)
        results = index.search("anvil")
        assert not results.semantic and "text search only" in results.notice
        assert [r.caption for r in results] == ["anvil strike"]
        assert index.search("").notice is None  # nothing asked of meaning: nothing to report
