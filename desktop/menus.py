"""The main window's menus: every action has a menu entry, and most a shortcut.

Keys that mean something else in a text field (Return, Ctrl+C) act only while focus is in the
results or the waveform; plain letters are window-wide because text fields take typed letters first.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence

from soundloom.desktop.detail import VIEWS
from soundloom.desktop.export import RATES, SUBTYPES, ExportFormat
from soundloom.desktop.output import output_devices


def _action(window, menu, text: str, slot, shortcut=None, checkable=False, tip=None, widgets=None) -> QAction:
    """A menu entry with its shortcut: window-wide, or only while focus is in one of `widgets`
    (for keys such as Return that mean something else in text fields)."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setCheckable(checkable)
    if tip:
        action.setStatusTip(tip)
    if checkable:
        action.toggled.connect(slot)
    else:
        action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    if widgets:
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for widget in widgets:
            widget.addAction(action)
    else:
        window.addAction(action)
    return action


def build_menus(window) -> None:
    """The menu bar of `window` (a MainWindow): every action, each with its shortcut."""
    bar = window.menuBar()
    library = bar.addMenu("&Library")
    _action(window, library, "Add Library Folder…", window.add_library_folder, "Ctrl+O")
    _action(window, library, "Remove Library Folder", window.remove_library_folder)
    window.rescan_action = _action(window, library, "Rescan Libraries", window.rescan, "F5")
    _action(window, library, "Stop Indexing", window.scanner.cancel)
    _action(window, library, "Skipped Files…", window.show_skipped)
    library.addSeparator()
    _action(window, library, "Quit", window.close, QKeySequence.StandardKey.Quit)

    edit = bar.addMenu("&Edit")
    window.undo_action = window.undo_stack.createUndoAction(window, "Undo")
    window.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
    window.redo_action = window.undo_stack.createRedoAction(window, "Redo")
    window.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
    for action in (window.undo_action, window.redo_action):
        edit.addAction(action)
        window.addAction(action)
    edit.addSeparator()
    _action(window, edit, "Rename Sound…", window.rename_current, "F2",
            tip="Rename the file in its folder (never replaces another file)")
    _action(window, edit, "Forget Sound", window.forget_selected, "Delete", widgets=(window.table,),
            tip="Leave the selected sounds out of the library; the files stay on disk")

    generate = bar.addMenu("&Generate")
    _action(window, generate, "Prompt", window.focus_prompt, "Ctrl+G", tip="Type what to generate")
    _action(window, generate, "Generate Search Text", lambda: window.generate_query(window.search_bar.text.text().strip()),
            "Ctrl+Shift+G", tip="Generate a sound from what is typed in the search box")
    _action(window, generate, "Cancel Selected Job", window.jobs_panel.cancel_selected)
    _action(window, generate, "Refresh Models", window.link.refresh_models,
            tip="Ask the engine for its models and fine-tuned variants again")
    # The Regenerate dock's window-wide keys, listed here so they can be found.
    generate.addAction(window.regen_dock.panel.regen_action)
    generate.addAction(window.regen_dock.panel.ab_action)
    generate.addSeparator()
    for dock in (window.jobs_dock, window.regen_dock, window.finetune_dock):
        generate.addAction(dock.toggleViewAction())
    window.generate_menu = generate

    sound = bar.addMenu("&Sound")
    _action(window, sound, "Export", window.delivery.export, "Ctrl+E", tip="Render the sound or selection to the exports folder")
    _action(window, sound, "Export to Folder…", window.delivery.export_to_folder, "Ctrl+Shift+E")
    formats = sound.addMenu("Export Format")
    window.delivery.format_group = QActionGroup(window)
    for fmt in [ExportFormat()] + [ExportFormat(rate, subtype) for rate in RATES for subtype in SUBTYPES]:
        action = QAction(fmt.label(), window, checkable=True)
        action.setData(fmt)
        action.triggered.connect(lambda _=False, f=fmt: window.delivery.set_export_format(f))
        window.delivery.format_group.addAction(action)
        formats.addAction(action)
    sound.addSeparator()
    _action(window, sound, "Copy Path", window.delivery.copy_path, "Ctrl+Shift+C")
    _action(window, sound, "Copy File", window.delivery.copy_file, "Ctrl+C", widgets=(window.table, window.detail.waveform))
    _action(window, sound, "Reveal in Folder", window.delivery.reveal, "Ctrl+R")
    sound.addSeparator()
    _action(window, sound, "Favourite", window.toggle_favourite, "F")
    rating = sound.addMenu("Rating")
    for stars in range(6):
        _action(window, rating, "No rating" if not stars else "★" * stars, lambda s=stars: window.set_rating(s),
                     str(stars))
    _action(window, sound, "Find Similar Sounds", window.find_similar, "Ctrl+M",
            tip="Sounds most like this one, or like its selected region")
    _action(window, sound, "Add to Collection…", window.add_to_collection, "Ctrl+K")
    _action(window, sound, "Edit Caption", window.edit_caption, "Ctrl+T")

    playback = bar.addMenu("&Playback")
    _action(window, playback, "Play / Stop", window.toggle_play, "Space")
    _action(window, playback, "Audition", window.audition_current, "Return", widgets=(window.table,))
    window.stop_action = _action(window, playback, "Stop and Clear Selection", window.stop_and_clear, "Escape")
    playback.addSeparator()
    window.auto_play_action = _action(window, playback, "Auto-play on Select", window._set_auto_play, "A", checkable=True)
    window.loop_action = _action(window, playback, "Loop", window._set_loop, "L", checkable=True)
    window.selection_only_action = _action(window, playback, "Play Selection Only", window._set_selection_only, "S",
                                              checkable=True)
    playback.addSeparator()
    _action(window, playback, "Volume Up", lambda: window.volume.setValue(window.volume.value() + 5), "Ctrl+Up")
    _action(window, playback, "Volume Down", lambda: window.volume.setValue(window.volume.value() - 5), "Ctrl+Down")
    devices = playback.addMenu("Output Device")
    window.device_group = QActionGroup(window)
    for index, name in [(None, "System default")] + output_devices():
        action = QAction(name, window, checkable=True)
        action.setData(index)
        action.triggered.connect(lambda _=False, i=index, n=name: window.set_output_device(i, n))
        window.device_group.addAction(action)
        devices.addAction(action)

    view = bar.addMenu("&View")
    _action(window, view, "Search", window.search_bar.focus_text, "/")
    _action(window, view, "Results", lambda: window.table.setFocus(), "Ctrl+L")
    _action(window, view, "Fit Columns to Contents", window.column_fit.reset,
            tip="Size every results column to what it holds again, undoing widths dragged by hand")
    view.addSeparator()
    for i, name in enumerate(VIEWS):
        _action(window, view, f"Show {name}" if i < 2 else "Show Waveform and Spectrogram",
                     lambda i=i: window.detail.set_view(i), f"Ctrl+{i + 1}")
    view.addSeparator()
    _action(window, view, "Zoom In", lambda: window.timeline.zoom(2.0), QKeySequence.StandardKey.ZoomIn)
    _action(window, view, "Zoom Out", lambda: window.timeline.zoom(0.5), QKeySequence.StandardKey.ZoomOut)
    _action(window, view, "Zoom to Fit", window.timeline.zoom_to_fit, "Ctrl+0")
    _action(window, view, "Zoom to Selection", window.timeline.zoom_to_selection, "Z")
    _action(window, view, "Select All of the Sound", lambda: window.timeline.select(0, window.timeline.duration),
                 "Ctrl+Shift+A")

    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "Search Syntax", window.show_search_help, "F1")
