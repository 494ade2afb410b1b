"""The browser fits a laptop screen beside a DAW: the window goes down to 900 px wide or less,
with its docks, whatever sound is selected and whatever the status bar says; at the usual width
the bars keep their single rows."""

from __future__ import annotations

import shutil

from PyQt6.QtCore import QPoint, QRect

LONG_NAME = "AMBForst_Forest Morning Birds Dawn Chorus Distant Woodpecker Close Perspective Stereo Pair_"
DEEP = ("Sound Libraries", "Commercial", "A Very Long Vendor Name Field Recordings Collection Volume 3", "Ambiences")


def rows(widgets) -> int:
    """How many rows the visible `widgets` take: tops more than 8 px apart start another row."""
    tops = sorted(w.mapTo(w.window(), QPoint(0, 0)).y() for w in widgets if w.isVisible())
    return 1 + sum(1 for a, b in zip(tops, tops[1:]) if b - a > 8)


def shown_whole(widget) -> bool:
    """The widget lies wholly inside every widget it sits in, up to the window: nothing pushed out
    of sight or cut off at an edge."""
    window = widget.window()
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if not QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()).contains(rect):
            return False
        parent = parent.parentWidget()
    return window.rect().contains(rect)


def test_the_window_goes_down_to_900_px_and_keeps_single_rows_when_wide(qtbot, make_window, tmp_path,
                                                                         sound_library):
    folder = tmp_path.joinpath(*DEEP)
    folder.mkdir(parents=True)
    for path in sorted(sound_library.rglob("*.wav"))[:3]:
        shutil.copy(path, folder / (LONG_NAME + path.name))
    window = make_window(folder)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.current_record() is not None and window.settled(), timeout=30_000)
    assert window.detail.title.text().startswith(LONG_NAME)
    # The longest lines the status bar shows.
    window.engine_status.setText("Engine: starter+field-recordings-adapter on cuda:0 · busy, 12 jobs")
    window.search_mode.setText("search: words + meaning")
    window.output_label.setText("♪ HDA Intel PCH: ALC3246 Analog (hw:0,0)")
    for dock in (window.jobs_dock, window.regen_dock, window.finetune_dock):
        assert dock.isVisible() or window.tabifiedDockWidgets(dock)  # the docks are all there

    window.resize(1440, 900)
    qtbot.waitUntil(lambda: window.width() == 1440)
    qtbot.wait(50)
    bar, search = window.prompt_bar, window.search_bar
    settings = (bar.length, bar.variations, bar.seed, bar.models, bar.advanced_button)
    facets = (search.text, search.category, search.min_seconds, search.rate, search.channels)
    fields = list(window.detail.region_fields.fields.values())
    assert rows(settings) == 1 and rows(facets) == 1 and rows(fields) == 1

    assert window.minimumSizeHint().width() <= 900, window.minimumSizeHint()
    window.resize(900, 700)
    qtbot.waitUntil(lambda: window.width() == 900)
    qtbot.wait(50)
    # Narrow, the rows wrap instead of pushing anything out of sight.
    for widget in settings + facets + tuple(fields) + (bar.prompt, bar.negative, bar.generate_button):
        assert shown_whole(widget), widget
    assert rows(settings) >= 2 and rows(facets) >= 2
    assert window.detail.waveform.width() >= 150  # the facts beside it give way first
    title = window.detail.title  # a long name is shortened, and whole in its tooltip
    assert title.width() < title.fontMetrics().horizontalAdvance(title.text()) and LONG_NAME in title.toolTip()
    assert search.geometry().bottom() < window.table.mapTo(search.parentWidget(), QPoint(0, 0)).y()
