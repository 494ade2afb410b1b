"""Captions and settings come out of the files themselves: BWF bext, iXML, WAV INFO, Vorbis comments,
ID3, and the settings soundloom writes into its own results."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from soundloom.library.metadata import read_embedded
from soundloom.sdk.audio_file import write_audio

from .conftest import bwf, tone

IXML = """<?xml version="1.0" encoding="UTF-8"?>
<BWFXML><IXML_VERSION>2.10</IXML_VERSION><PROJECT>Harbour</PROJECT><SCENE>12A</SCENE><NOTE>foghorn far away</NOTE>
<USER><CATEGORY>BOATS</CATEGORY><KEYWORDS>horn, fog, distant</KEYWORDS></USER></BWFXML>"""


def test_bext_description_is_the_caption_and_ixml_is_searchable(tmp_path):
    path = bwf(tmp_path / "take.wav", description="Ship horn, long blast", ixml=IXML)
    found = read_embedded(path)
    assert found.description == "Ship horn, long blast"
    assert found.fields["ixml.note"] == "foghorn far away" and found.fields["ixml.project"] == "Harbour"
    assert "distant" in found.search_text and "BOATS" in found.search_text


def test_ixml_note_is_the_caption_when_bext_is_empty(tmp_path):
    found = read_embedded(bwf(tmp_path / "take.wav", description="", ixml=IXML))
    assert found.description == "foghorn far away"


def test_wav_info_and_vorbis_comments(tmp_path):
    wav, flac = tmp_path / "a.wav", tmp_path / "b.flac"
    for path in (wav, flac):
        with sf.SoundFile(path, "w", 16000, 1) as f:
            f.title, f.comment = "Glass shatter", "bottle thrown at a wall"
            f.write(np.zeros(1600, np.float32))
    assert read_embedded(wav).description == "bottle thrown at a wall"
    found = read_embedded(flac)
    assert found.description == "bottle thrown at a wall" and "Glass shatter" in found.search_text


def test_id3_tags_of_an_mp3(tmp_path):
    from mutagen.id3 import COMM, ID3, TIT2

    path = tmp_path / "c.mp3"
    sf.write(path, (0.1 * np.sin(np.arange(16000) / 5)).astype(np.float32), 16000, format="MP3")
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Thunder roll"))
    tags.add(COMM(encoding=3, lang="eng", desc="", text="distant thunder over hills"))
    tags.save(path)
    found = read_embedded(path)
    assert found.description == "distant thunder over hills" and "Thunder roll" in found.search_text


def test_a_generated_file_gives_prompt_seed_model_and_parent(tmp_path):
    path = write_audio(tmp_path / "gen.wav", np.zeros((1, 1600), np.float32), 16000,
                       {"prompt": "metal door slam", "seed": 7, "model": "starter", "parent": "/x/source.wav", "steps": 25})
    found = read_embedded(path)
    assert found.generated == {"prompt": "metal door slam", "seed": 7, "model": "starter", "parent": "/x/source.wav"}
    assert found.description == "metal door slam" and "soundloom" not in found.fields


def test_files_without_metadata_or_with_broken_chunks_give_nothing(tmp_path):
    assert read_embedded(tone(tmp_path / "plain.wav")).description is None
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    assert read_embedded(broken).description is None
