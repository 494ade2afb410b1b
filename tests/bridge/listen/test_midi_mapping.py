"""The MIDI mapping file: a valid file read into bindings, and every kind of mistake named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from soundloom.bridge.errors import BridgeError
from soundloom.bridge.midi_mapping import Binding, load_mapping

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "midi-mapping.toml"

VALID = """
channel = 10
bpm = 96
time_signature = "6/8"

[[note]]
note = 36
action = "again"

[[note]]
note = 37
action = "next_variation"
channel = 2

[[note]]
note = 38
action = "generate"
prompt = "  a tight snare hit "
seconds = 1.5

[[note]]
note = 39
action = "generate"
prompt = "a dusty breakbeat"
bars = 2
loop = true
seed = 7

[[cc]]
cc = 1
action = "adapter_scale"

[[cc]]
cc = 64
action = "next_variation"
"""


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_mapping_is_read_with_channels_counted_from_zero(tmp_path):
    mapping = load_mapping(_write(tmp_path, VALID))
    assert mapping.bpm == 96.0 and mapping.time_signature == "6/8"
    assert mapping.notes[(9, 36)] == Binding("again")
    assert mapping.notes[(1, 37)] == Binding("next_variation")  # its own channel 2 wins over the file's 10
    assert mapping.notes[(9, 38)] == Binding("generate", "a tight snare hit", seconds=1.5)
    assert mapping.notes[(9, 39)] == Binding("generate", "a dusty breakbeat", bars=2.0, loop=True, seed=7)
    assert mapping.controls[(9, 1)] == Binding("adapter_scale")
    assert mapping.for_note(9, 36) == Binding("again")
    assert mapping.for_note(0, 36) is None  # another channel
    assert mapping.for_control(9, 64) == Binding("next_variation")


def test_without_a_channel_every_channel_matches(tmp_path):
    mapping = load_mapping(_write(tmp_path, '[[note]]\nnote = 60\naction = "again"\n'))
    assert mapping.bpm is None and mapping.time_signature == "4/4"
    assert all(mapping.for_note(channel, 60) == Binding("again") for channel in range(16))


def test_the_shipped_example_is_valid():
    mapping = load_mapping(EXAMPLE)
    assert mapping.notes and mapping.controls
    assert any(b.action == "adapter_scale" for b in mapping.controls.values())
    assert any(b.bars is not None for b in mapping.notes.values())


NOTE = '[[note]]\nnote = 36\naction = "again"\n'
INVALID = [
    # (file text, the field the message must name, words the message must contain)
    ("[[note]\nnote = 1", "mapping", ["not valid TOML", "line"]),
    ("", "mapping note", ["no [[note]] or [[cc]]"]),
    ("tempo = 120\n" + NOTE, "mapping tempo", ["not a setting", "bpm"]),
    ("channel = 17\n" + NOTE, "mapping channel", ["17", "1–16"]),
    ("channel = 0\n" + NOTE, "mapping channel", ["1–16"]),
    ("bpm = 5\n" + NOTE, "mapping bpm", ["5", "20–999"]),
    ("bpm = \"fast\"\n" + NOTE, "mapping bpm", ["not a number"]),
    ('time_signature = "4/5"\n' + NOTE, "mapping time_signature", ["4/5"]),
    ('time_signature = "four"\n' + NOTE, "mapping time_signature", ["N/D"]),
    ("note = 3\n", "mapping note", ["list of tables", "[[note]]"]),
    ('[[note]]\nnote = 128\naction = "again"\n', "mapping [[note]] #1 note", ["128", "0–127"]),
    ('[[note]]\nnote = 1.5\naction = "again"\n', "mapping [[note]] #1 note", ["not a whole number"]),
    ('[[note]]\nnote = true\naction = "again"\n', "mapping [[note]] #1 note", ["not a whole number"]),
    ('[[note]]\naction = "again"\n', "mapping [[note]] #1 note", ["missing", "0–127"]),
    ("[[note]]\nnote = 36\n", "mapping [[note]] #1 action", ["missing", "again, next_variation, generate"]),
    ('[[note]]\nnote = 36\naction = "explode"\n', "mapping [[note]] #1 action", ["'explode'", "next_variation"]),
    ('[[note]]\nnote = 36\naction = "adapter_scale"\n', "mapping [[note]] #1 action", ["for [[cc]]"]),
    ('[[note]]\nnote = 36\naction = "again"\nprompt = "x"\n', "mapping [[note]] #1 prompt",
     ["not a setting of a 'again' entry"]),
    ('[[note]]\nnote = 36\naction = "again"\nchannel = 99\n', "mapping [[note]] #1 channel", ["1–16"]),
    ('[[note]]\nnote = 36\naction = "generate"\nseconds = 2\n', "mapping [[note]] #1 prompt", ["missing or empty"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "  "\nseconds = 2\n', "mapping [[note]] #1 prompt",
     ["missing or empty"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "' + "x" * 2001 + '"\nseconds = 2\n',
     "mapping [[note]] #1 prompt", ["2001", "1–2000"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\n', "mapping [[note]] #1 seconds", ["exactly one"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\nseconds = 1\nbars = 1\n',
     "mapping [[note]] #1 seconds", ["exactly one"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\nseconds = 90\n', "mapping [[note]] #1 seconds",
     ["90", "0.5–60"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\nbars = 0\n', "mapping [[note]] #1 bars", ["0"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\nseconds = 1\nloop = "yes"\n',
     "mapping [[note]] #1 loop", ["true or false"]),
    ('[[note]]\nnote = 36\naction = "generate"\nprompt = "kick"\nseconds = 1\nseed = -1\n',
     "mapping [[note]] #1 seed", ["-1"]),
    (NOTE + NOTE, "mapping [[note]] #2 note", ["note 36 on any channel is mapped twice"]),
    ('[[cc]]\ncc = 300\naction = "adapter_scale"\n', "mapping [[cc]] #1 cc", ["300", "0–127"]),
    ('[[cc]]\ncc = 1\naction = "adapter_scale"\nprompt = "x"\n', "mapping [[cc]] #1 prompt", ["not a setting"]),
]


@pytest.mark.parametrize("text,field,words", INVALID, ids=[f"{i}-{case[1]}" for i, case in enumerate(INVALID)])
def test_a_bad_mapping_names_the_file_the_entry_and_the_allowed_values(tmp_path, text, field, words):
    path = _write(tmp_path, text)
    with pytest.raises(BridgeError) as caught:
        load_mapping(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert error.field == field, message
    assert str(path) in message
    for word in words:
        assert word in message, (word, message)


def test_a_missing_or_binary_mapping_file_is_named(tmp_path):
    with pytest.raises(BridgeError, match="no mapping file at") as caught:
        load_mapping(tmp_path / "absent.toml")
    assert caught.value.field == "mapping"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00 = 1")
    with pytest.raises(BridgeError) as caught:
        load_mapping(binary)
    assert caught.value.field == "mapping" and str(binary) in str(caught.value)
    with pytest.raises(BridgeError, match="is a folder"):
        load_mapping(tmp_path)
