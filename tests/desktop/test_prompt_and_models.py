"""The prompt bar's settings, the model picker, and where a generated sound came from."""

from __future__ import annotations

import numpy as np
import pytest

from soundloom.desktop.detail import provenance_rows
from soundloom.desktop.model_picker import ModelPicker
from soundloom.desktop.prompt_bar import PromptBar, bars_to_seconds
from soundloom.sdk.audio_file import write_audio


def test_bars_at_a_tempo_become_seconds():
    assert bars_to_seconds(2, 120) == 4.0
    assert bars_to_seconds(1, 90, "3/4") == 2.0
    assert bars_to_seconds(4, 120, "6/8") == 6.0


def test_the_prompt_bar_builds_the_request_and_a_new_seed_each_time_unless_locked(qtbot):
    bar = PromptBar()
    qtbot.addWidget(bar)
    bar.prompt.setText("  sub   drop ")
    bar.unit.setCurrentText("bars")
    bar.length.setValue(2)
    bar.bpm.setValue(120)
    bar.variations.setValue(4)
    assert bar.request()["steps"] is None  # auto: the model's own default
    bar.advanced_button.setChecked(True)
    bar.steps.setValue(12)
    bar.scheduler.setCurrentText("euler")
    first = bar.request()
    assert first["prompt"] == "sub drop" and first["seconds"] == 4.0 and first["variations"] == 4
    assert first["steps"] == 12 and first["scheduler"] == "euler" and "adapter_scale" not in first
    assert str(first["seed"]) == bar.seed.text()
    seeds = {bar.request()["seed"] for _ in range(5)} | {first["seed"]}
    assert len(seeds) > 1  # unlocked: new seeds
    bar.seed_lock.setChecked(True)
    bar.seed.setText("1234")
    assert bar.request()["seed"] == 1234 and bar.request()["seed"] == 1234
    bar.seed.setText("99999999999")
    assert not bar.generate() and bar.message.text().startswith("seed: 99999999999; allowed")


def test_the_model_picker_lists_variants_under_their_base_with_a_strength(qtbot):
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.set_models([
        {"name": "starter", "kind": "base", "base": "starter", "family": "audioldm", "sample_rate": 16000},
        {"name": "starter+kicks", "kind": "adapter", "base": "starter", "adapter": "kicks", "state": "ready"},
        {"name": "starter+snares", "kind": "adapter", "base": "starter", "adapter": "snares", "state": "training",
         "usable": False},
    ])
    names = [picker.combo.itemData(i) for i in range(picker.combo.count())]
    assert names == [None, "starter", "starter+kicks", "starter+snares"]
    assert not picker.items.item(3).isEnabled()  # still training
    assert picker.adapter_scale() is None and not picker.scale.isEnabled()
    assert picker.select("starter+kicks")
    assert picker.scale.isEnabled() and picker.adapter_scale() == 1.0
    picker.scale.setValue(150)
    assert picker.adapter_scale() == 1.5
    # A refresh keeps the choice while it is still listed.
    picker.set_models([{"name": "starter", "kind": "base", "base": "starter"},
                       {"name": "starter+kicks", "kind": "adapter", "base": "starter", "adapter": "kicks"}])
    assert picker.model() == "starter+kicks"


def test_the_picker_follows_the_engines_models_and_refreshes(qtbot, link, desktop_engine):
    picker = ModelPicker(link)
    qtbot.addWidget(picker)
    assert link.status.model in [picker.combo.itemData(i) for i in range(picker.combo.count())]
    with qtbot.waitSignal(link.models_changed, timeout=60_000):
        link.refresh_models()


def test_a_regenerated_take_shows_what_it_was_made_from(tmp_path):
    audio = np.zeros((1, 16000), np.float32)
    source = write_audio(tmp_path / "door.wav", audio, 16000)
    take = write_audio(tmp_path / "door.take-1.wav", audio, 16000,
                       {"prompt": "creak", "seed": 7, "model": "starter+doors", "adapter_scale": 0.8,
                        "parent": str(source), "regions": [[1.2, 2.45]]})
    rows = provenance_rows(str(take))
    assert rows["Adapter"] == "doors ×0.8"
    assert rows["Made from"] == "door.wav 1.20–2.45 s"
    assert provenance_rows(str(source)) == {}


def test_the_detail_pane_shows_the_lineage_of_a_take(qtbot, make_window, tmp_path):
    folder = tmp_path / "Takes"
    folder.mkdir()
    audio = (0.1 * np.sin(np.arange(16000) / 5)).astype(np.float32)[None]
    source = write_audio(folder / "door.wav", audio, 16000)
    write_audio(folder / "door.take-1.wav", audio, 16000,
                {"prompt": "creak", "seed": 7, "model": "starter", "parent": str(source), "regions": [[0.2, 0.5]]})
    window = make_window(folder)
    row = next(i for i, r in enumerate(window.results.records) if r.name == "door.take-1.wav")
    window.table.selectRow(row)
    made_from = window.detail.metadata.values["Made from"]
    qtbot.waitUntil(lambda: made_from.text() == "door.wav 0.20–0.50 s", timeout=30_000)
    assert window.detail.metadata.values["Prompt"].text() == "creak"
    assert window.detail.metadata.values["Seed"].text() == "7"
