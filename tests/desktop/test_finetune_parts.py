"""The fine-tuning view's parts on their own: the dataset table, training folders of links, the loss
plot (drawn offscreen into real pixels)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import soundfile as sf
from PyQt6.QtCore import Qt

PREVIEW = {
    "root": "/library/Kicks",
    "clips": [
        {"path": "Kick_Punchy_00.wav", "caption": "a deep punchy kick drum", "caption_source": "sidecar", "seconds": 0.7,
         "sample_rate": 16000, "channels": 1},
        {"path": "Sub/Kick_Soft_01.wav", "caption": "kick soft, sub", "caption_source": "names", "seconds": 1.25,
         "sample_rate": 48000, "channels": 2},
    ],
    "skipped": [{"path": "broken.wav", "reason": "unreadable (Error opening '/library/Kicks/broken.wav': Format not "
                                                 "recognised.)"}],
    "total_seconds": 1.95,
}


def test_the_dataset_lists_clips_then_skipped_files_and_only_captions_are_editable(qapp):
    from soundloom.desktop.dataset_model import CAPTION, FILE, LENGTH, DatasetModel

    model = DatasetModel()
    model.set_preview(PREVIEW)
    assert model.rowCount() == 3 and model.columnCount() == 3
    assert [model.data(model.index(r, FILE)) for r in range(3)] == ["Kick_Punchy_00.wav", "Sub/Kick_Soft_01.wav",
                                                                    "broken.wav"]
    assert model.data(model.index(1, LENGTH)) == "1.25 s"
    assert model.data(model.index(2, CAPTION)) == "skipped: unreadable (Error opening 'broken.wav': Format not recognised.)"
    assert model.flags(model.index(0, CAPTION)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, FILE)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(2, CAPTION)) & Qt.ItemFlag.ItemIsEditable
    assert "caption file" in model.data(model.index(0, CAPTION), Qt.ItemDataRole.ToolTipRole)
    assert model.summary() == "2 clips, 1.9 s in all; 1 skipped"
    # Each title sits over its column's text (Qt centres titles unless told).
    align = Qt.ItemDataRole.TextAlignmentRole
    horizontal = Qt.AlignmentFlag.AlignHorizontal_Mask
    for column in (FILE, LENGTH, CAPTION):
        cell = model.data(model.index(0, column), align) or Qt.AlignmentFlag.AlignLeft  # unset: left
        assert model.headerData(column, Qt.Orientation.Horizontal, align) & horizontal == cell & horizontal
    assert model.source_path(model.clips[1]) == os.path.join("/library/Kicks", "Sub/Kick_Soft_01.wav")


def test_an_edited_caption_is_cleaned_kept_and_an_emptied_one_goes_back(qapp, qtbot):
    from soundloom.desktop.dataset_model import CAPTION, MAX_CAPTION, DatasetModel

    model = DatasetModel()
    model.set_preview(PREVIEW)
    with qtbot.waitSignal(model.captions_edited):
        assert model.set_caption(1, "  a soft   felt kick\n")
    assert model.captions() == {"Kick_Punchy_00.wav": "a deep punchy kick drum", "Sub/Kick_Soft_01.wav": "a soft felt kick"}
    assert model.data(model.index(1, CAPTION), Qt.ItemDataRole.ForegroundRole) is not None  # edited ones stand out
    assert model.summary().endswith("1 caption edited")
    model.set_caption(1, "   ")  # training needs text: empty means the engine's own caption again
    assert model.captions()["Sub/Kick_Soft_01.wav"] == "kick soft, sub" and not model.edited
    model.set_caption(0, "x" * 5000)
    assert len(model.captions()["Kick_Punchy_00.wav"]) == MAX_CAPTION
    assert not model.setData(model.index(2, CAPTION), "not a clip")  # a skipped file has no caption
    model.set_preview(PREVIEW)
    assert not model.edited  # a new preview starts clean


def _sound(path, seconds=0.5):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.3 * np.sin(np.arange(int(16000 * seconds)) / 5)).astype(np.float32), 16000)
    return path


def test_a_training_folder_links_the_sounds_with_captions_and_is_rebuilt_without_touching_them(tmp_path):
    from soundloom.desktop.training_folder import Member, members_for_files, write_training_folder
    from soundloom.library.captions import sidecar_caption

    kick = _sound(tmp_path / "Drums" / "kick.wav")
    kick_flac = _sound(tmp_path / "Drums" / "kick.flac")
    other_kick = _sound(tmp_path / "More Drums" / "Drums" / "kick.wav")
    sources = {p: p.read_bytes() for p in (kick, kick_flac, other_kick)}
    members = members_for_files([(str(kick), "kick one"), (str(kick_flac), "kick two"), (str(other_kick), "kick three")])
    # Stems stay unique, so each link has a caption file of its own.
    assert [m.name for m in members] == ["Drums/kick.wav", "Drums/kick (2).flac", "Drums/kick (3).wav"]
    folder = write_training_folder(tmp_path / "data" / "training-sets" / "kicks", members)
    for member in members:
        link = folder / member.name
        assert link.is_symlink() and os.path.samefile(link, member.source)
        assert sidecar_caption(link) == member.caption

    rebuilt = write_training_folder(folder, [Member("Drums/kick.wav", str(kick), "only this one")])
    assert sorted(str(p.relative_to(rebuilt)) for p in rebuilt.rglob("*")) == ["Drums", "Drums/kick.txt", "Drums/kick.wav"]
    assert sidecar_caption(rebuilt / "Drums/kick.wav") == "only this one"
    assert {p: p.read_bytes() for p in sources} == sources  # the sounds linked before are still there
    assert [p.name for p in folder.parent.iterdir()] == ["kicks"]  # nothing half-built left beside it


def test_a_training_folder_that_cannot_be_built_leaves_the_previous_one(tmp_path):
    from soundloom.desktop.training_folder import Member, write_training_folder

    kick = _sound(tmp_path / "kick.wav")
    folder = write_training_folder(tmp_path / "sets" / "kicks", [Member("kick.wav", str(kick), "a kick")])
    with pytest.raises(OSError):
        write_training_folder(folder, [Member("a.wav", str(kick), "a"), Member("a.wav", str(kick), "clash")])
    assert [p.name for p in sorted(folder.iterdir())] == ["kick.txt", "kick.wav"]
    assert [p.name for p in folder.parent.iterdir()] == ["kicks"]


def test_the_loss_plot_grows_point_by_point_and_draws_its_line(qapp):
    from soundloom.desktop.loss_plot import LINE, LossPlot, nice_ticks

    plot = LossPlot()
    plot.resize(400, 200)
    plot.reset(100)
    empty = plot.grab().toImage()
    for step, loss in [(1, 1.2), (2, 1.1), (2, 1.05), (1, 9.0), (3, math.nan), (4, 0.8)]:
        plot.add_point(step, loss)
    # A repeated step replaces its value, a late one and a non-finite one are left out.
    assert plot.points == [(1, 1.2), (2, 1.05), (4, 0.8)]
    plot.mark_validation(4)
    drawn = plot.grab().toImage()

    def line_pixels(image):
        return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
                   if abs(image.pixelColor(x, y).hue() - LINE.hue()) < 8 and image.pixelColor(x, y).saturation() > 80)

    assert line_pixels(empty) == 0 and line_pixels(drawn) > 3
    assert nice_ticks(0.0, 1.0, 5) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(0.93, 1.27, 3) == pytest.approx([1.0, 1.2])  # round values inside the range
    plot.reset(10, first_step=4)  # a resumed run: its axis starts where the last one stopped
    assert plot.points == [] and plot.first_step == 4


def test_adapter_names_are_made_valid_and_new(qapp):
    from soundloom.desktop.finetune_dock import adapter_name_for

    assert adapter_name_for("Hallway Foley", set()) == "Hallway-Foley"
    assert adapter_name_for("Hallway Foley", {"Hallway-Foley"}) == "Hallway-Foley-2"
    assert adapter_name_for("__ é ✓", set()) == "adapter"
    assert adapter_name_for("x" * 100, set()) == "x" * 56
