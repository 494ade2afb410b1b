"""The results area over a real index, at the screenshots' size: columns sized to what they hold so
the name gets the room, a width the user dragged kept (between runs too) until Fit Columns to
Contents, a search hint that reads whole beside the facets, and docks that leave the browser its room."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QAction

from soundloom.desktop import theme
from soundloom.desktop.results import column_index
from sounds import write_tone

LONG_NAMES = ("crowd murmur in a large train station hall.wav", "church bells over a village at dawn.wav")

CATEGORY, NAME = column_index("category"), column_index("name")


def others(window):
    return [c for c in range(window.results.columnCount()) if c != NAME]


def test_columns_fit_what_they_hold_and_the_name_gets_the_room(qtbot, make_window, tmp_path, sound_library):
    plain = tmp_path / "Plain"  # names without UCS categories: the Category column is empty
    for name in LONG_NAMES:
        write_tone(plain / name, 0.5, rate=16000)  # "16 kHz" is wider than the Rate column's title
    window = make_window(plain, wait=False)
    window.setStyleSheet(theme.STYLE_SHEET)  # the app's padding and font size, in this window only
    window.resize(1440, 900)  # the screenshots' size
    table, header = window.table, window.table.horizontalHeader()
    qtbot.waitUntil(lambda: len(window.results.records) == 2 and window.settled(), timeout=120_000)
    # The empty Category column is no wider than its title; the full names are shown, not elided.
    assert table.columnWidth(CATEGORY) <= header.sectionSizeHint(CATEGORY)
    widest_name = max(table.fontMetrics().horizontalAdvance(name) for name in LONG_NAMES)
    assert table.columnWidth(NAME) > widest_name
    # Every other column is wide enough for its cells (Qt's own measure of them).
    assert all(table.columnWidth(c) >= table.sizeHintForColumn(c) for c in others(window))

    window.add_library_folder(str(sound_library))  # UCS names: categories such as AMBIENCE / FOREST
    qtbot.waitUntil(lambda: len(window.results.records) == 32 and window.settled(), timeout=120_000)
    assert table.columnWidth(CATEGORY) > header.sectionSizeHint(CATEGORY)
    assert all(table.columnWidth(c) >= table.sizeHintForColumn(c) for c in others(window))


def test_a_column_the_user_widened_keeps_its_width(qtbot, make_window, small_library, settings):
    window = make_window(small_library)
    table, header = window.table, window.table.horizontalHeader()
    fitted = table.columnWidth(CATEGORY)
    # Drag the Category column's right edge 60 px to the right.
    edge = header.sectionViewportPosition(CATEGORY) + header.sectionSize(CATEGORY) - 1
    middle = header.height() // 2
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge, middle))
    qtbot.mouseMove(header.viewport(), QPoint(edge + 30, middle))
    qtbot.mouseMove(header.viewport(), QPoint(edge + 60, middle))
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge + 60, middle))
    dragged = table.columnWidth(CATEGORY)
    assert dragged >= fitted + 40
    window.search_bar.text.setText("door")  # new results do not undo the user's width
    qtbot.waitUntil(lambda: window.results.records and all("DOOR" in r.name for r in window.results.records))
    assert table.columnWidth(CATEGORY) == dragged
    window.close()

    again = make_window(small_library, settings_=settings)
    assert again.table.columnWidth(CATEGORY) == dragged
    fit = next(a for a in again.findChildren(QAction) if a.text() == "Fit Columns to Contents")
    fit.trigger()
    assert again.table.columnWidth(CATEGORY) == fitted


def test_the_search_hint_reads_whole_beside_the_facets(qtbot, make_window, small_library):
    window = make_window(small_library)
    window.setStyleSheet(theme.STYLE_SHEET)
    window.resize(1440, 900)  # the screenshots' size, with the Jobs dock open
    field = window.search_bar.text
    qtbot.waitUntil(lambda: field.width() < 600)  # laid out beside the facets
    room = field.width() - 24  # the frame, the theme's padding and the clear button
    assert field.fontMetrics().horizontalAdvance(field.placeholderText()) <= room
    # The tool docks (Regenerate, Fine-tune) tabbed with Jobs wrap their words rather than widen
    # the dock area: it opens at the Jobs dock's own width, and the browser keeps the rest.
    assert window.jobs_dock.width() <= 320
    assert max(dock.minimumSizeHint().width() for dock in (window.regen_dock, window.finetune_dock)) <= 320
