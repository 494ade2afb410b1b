"""UCS names give categories and captions; captions prefer a sidecar, then embedded text, then names."""

from __future__ import annotations

from pathlib import Path

from soundloom.library.captions import caption_from_names, choose_caption, words_of
from soundloom.library.ucs import catids, categories, parse_ucs, ucs_caption


def test_a_ucs_name_names_its_category_subcategory_and_fx_name():
    name = parse_ucs("DOORWood_Slam Heavy_JD_Studio")
    assert (name.catid, name.category, name.subcategory) == ("DOORWood", "DOORS", "WOOD")
    assert (name.fx_name, name.creator, name.source) == ("Slam Heavy", "JD", "Studio")
    assert ucs_caption(name) == "slam heavy, doors wood"


def test_catids_match_whatever_their_case_and_keep_a_user_category():
    name = parse_ucs("metlimpt-Anvil_Strike Big_AB_Lib")
    assert (name.catid, name.category, name.subcategory, name.user_category) == ("METLImpt", "METAL", "IMPACT", "Anvil")


def test_an_unlisted_catid_still_gets_its_category_from_the_prefix():
    name = parse_ucs("DOORCastle_Creak_JD")
    assert name.category == "DOORS" and name.subcategory is None


def test_ordinary_names_are_not_ucs():
    for stem in ("Door_Slam_Wood_03", "ELECTRIC_Guitar_01", "kick", "AMBIENT_pad", "DOORWood", "DOORWood_"):
        assert parse_ucs(stem) is None, stem


def test_the_table_covers_the_common_categories():
    assert len(catids()) > 600
    for category in ("AMBIENCE", "DOORS", "FOOTSTEPS", "WATER", "WEAPONS", "VEHICLES", "USER INTERFACE", "MAGIC"):
        assert category in categories()


def test_name_captions_are_shared_with_fine_tuning():
    from soundloom.engine.training import library as training

    assert training.caption_from_names is caption_from_names and training.words_of is words_of
    assert caption_from_names(Path("Foley/Doors/Door_Slam_Wood_03.wav")) == "door slam, wood, foley doors"


def test_sidecar_beats_embedded_beats_names(tmp_path):
    audio = tmp_path / "Door_Slam.wav"
    audio.write_bytes(b"")
    relative = Path("Door_Slam.wav")
    assert choose_caption(audio, relative, None) == ("door slam", "names")
    assert choose_caption(audio, relative, None, "slam heavy, doors wood", "ucs") == ("slam heavy, doors wood", "ucs")
    assert choose_caption(audio, relative, "  Heavy  oak door\n slammed ") == ("Heavy oak door slammed", "embedded")
    (tmp_path / "Door_Slam.txt").write_text("a door slams in a church\nsecond line")
    assert choose_caption(audio, relative, "Heavy oak door") == ("a door slams in a church", "sidecar")
