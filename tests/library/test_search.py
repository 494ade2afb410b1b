"""Text search: the query syntax, ranking and facets, over a real index; no text is ever an FTS5 error."""

from __future__ import annotations

import random

import pytest

from soundloom.library.query import parse

from .conftest import tone


@pytest.fixture
def index(open_index, library, tmp_path):
    index = open_index()
    index.add_root(library)
    tone(library / "Doors" / "Cabinet" / "DOORCab_Slam Small_JD_Studio.wav", 500, seconds=0.3, rate=44100)
    tone(library / "Doors" / "Slammer_Metal_Gate.wav", 150, seconds=3.0, channels=2)
    index.scan()
    return index


def names(records):
    return [r.name for r in records]


def test_words_are_all_required_and_ranked(index):
    assert set(names(index.search("door slam"))) == {
        "DOORWood_Slam Heavy_JD_Studio.wav", "Door_Slam_Metal_02.wav", "DOORCab_Slam Small_JD_Studio.wav"}
    assert names(index.search("slam heavy"))[0] == "DOORWood_Slam Heavy_JD_Studio.wav"
    results = index.search("slam")
    assert all(r.score is not None for r in results) and results[0].score == 1.0
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_minus_excludes_quotes_make_phrases_star_makes_prefixes(index):
    assert "Door_Slam_Metal_02.wav" not in names(index.search("door slam -metal"))
    assert names(index.search('"slam heavy"')) == ["DOORWood_Slam Heavy_JD_Studio.wav"]
    assert names(index.search('"heavy slam"')) == []
    assert "Slammer_Metal_Gate.wav" in names(index.search("slam*"))
    assert "Slammer_Metal_Gate.wav" not in names(index.search("slam"))
    only_excluded = names(index.search("-door"))
    assert "anvil_strike.flac" in only_excluded and not any("Door" in n or "DOOR" in n for n in only_excluded)


def test_captions_folders_and_categories_are_searched(index):
    assert names(index.search("leaves")) == ["soft_rain.wav"]  # its sidecar caption
    assert set(names(index.search("impacts"))) == {"anvil_strike.flac"}  # its folder
    assert set(names(index.search("doorwood"))) == {"DOORWood_Slam Heavy_JD_Studio.wav"}  # its CatID


def test_facets(index, library):
    assert set(names(index.search(category="DOORS"))) == {"DOORWood_Slam Heavy_JD_Studio.wav",
                                                          "DOORCab_Slam Small_JD_Studio.wav"}
    assert names(index.search(category="doorcab")) == ["DOORCab_Slam Small_JD_Studio.wav"]
    assert names(index.search(category="DOORS-WOOD")) == ["DOORWood_Slam Heavy_JD_Studio.wav"]
    assert index.categories() == [("DOORS", 2)]
    assert set(names(index.search(min_seconds=1.0))) == {"soft_rain.wav", "pad_A3.wav", "Slammer_Metal_Gate.wav"}
    assert set(names(index.search(max_seconds=0.4))) == {"DOORCab_Slam Small_JD_Studio.wav"}
    assert names(index.search(sample_rate=44100)) == ["DOORCab_Slam Small_JD_Studio.wav"]
    assert set(names(index.search(channels=2))) == {"pad_A3.wav", "Slammer_Metal_Gate.wav"}
    assert set(names(index.search(folder=library / "Doors" / "Cabinet"))) == {"DOORCab_Slam Small_JD_Studio.wav"}
    assert len(index.search(folder=library / "Doors")) == 4
    assert index.search(folder=library / "Door") == []  # a folder, not a name prefix
    index.set_favourite(library / "Impacts" / "anvil_strike.flac", True)
    assert names(index.search(favourites=True)) == ["anvil_strike.flac"]
    assert names(index.search("metal", channels=2)) == ["Slammer_Metal_Gate.wav"]
    assert len(index.search(limit=2)) == 2


def test_tags_and_recent(index, library):
    path = library / "Synth" / "pad_A3.wav"
    index.set_tags(path, ["Warm Pad", "analog"])
    assert names(index.search("analog")) == ["pad_A3.wav"]
    assert index.get(path).tags == ["Warm Pad", "analog"]
    recent = index.recent(3)
    assert len(recent) == 3 and recent[0].modified >= recent[1].modified >= recent[2].modified


@pytest.mark.parametrize("text", ['"', '""', "-", "--", "*", "a*b*", "NOT", "AND OR", "(door", "door)", "x:y",
                                  "col:door", "^door", "door NEAR(slam)", "'", "\\", "🎵", "-\"", "\"door", "NEAR/2",
                                  "+door", "door -", "- door", "a\x00b", "ｄｏｏｒ"])
def test_no_text_is_a_syntax_error(index, text):
    index.search(text)


def test_random_text_never_breaks_a_search(index):
    rng = random.Random(7)
    alphabet = 'ab door slam"*-():^+{}[]\'\\/.,;NOT AND OR NEAR é 0 \t'
    for _ in range(300):
        index.search("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))))


def test_the_parser_quotes_every_term():
    query = parse('door "wood slam" -metal* clos* -"hard hit" -')
    assert query.match() == '"door" AND "wood slam" AND "clos"*'
    assert query.excluded() == '"metal"* OR "hard hit"'
    assert query.meaning() == "door wood slam clos"
    assert not parse('  - "" ** ')
