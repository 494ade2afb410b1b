"""A dark, low-contrast theme: audio tools are used for hours in dim rooms, and a dark frame lets
waveforms and spectrograms carry the brightness."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication

WINDOW = QColor("#1d1f23")
BASE = QColor("#16181b")
ALTERNATE = QColor("#1b1d21")
PANEL = QColor("#23262b")
TEXT = QColor("#d5d8de")
DIM_TEXT = QColor("#8a9099")
HIGHLIGHT = QColor("#2f5d8a")
ACCENT = QColor("#e0a534")

WAVEFORM = QColor("#5fc4c9")
WAVEFORM_BACKGROUND = QColor("#121417")
CENTRE_LINE = QColor("#2a2e34")
RULER = QColor("#6d737c")
SELECTION_FILL = QColor(224, 165, 52, 46)
SELECTION_EDGE = QColor(224, 165, 52, 200)
PLAYHEAD = QColor("#ff6a5c")

STYLE_SHEET = """
QWidget { font-size: 9pt; }
QToolTip { color: #d5d8de; background: #23262b; border: 1px solid #3a3f46; }
QTableView, QTreeView { border: none; gridline-color: #24272c; selection-background-color: #2f5d8a; }
QHeaderView::section { background: #1d1f23; color: #8a9099; border: none;
                       border-bottom: 1px solid #2c3036; padding: 3px 6px; }
QTreeView::item, QTableView::item { padding: 1px 2px; }
QLineEdit, QComboBox, QDoubleSpinBox, QPlainTextEdit {
    background: #16181b; border: 1px solid #30343a; border-radius: 3px; padding: 2px 4px; }
QLineEdit:focus, QPlainTextEdit:focus { border-color: #2f5d8a; }
QSplitter::handle { background: #121417; }
QStatusBar { color: #8a9099; }
QStatusBar::item { border: none; }
QLabel#title { font-size: 11pt; font-weight: 600; }
QLabel#dim, QLabel#fieldName { color: #8a9099; }
QToolButton { border: 1px solid transparent; border-radius: 3px; padding: 2px 6px; }
QToolButton:checked { background: #2b3038; border-color: #3a3f46; }
QToolButton:hover { border-color: #3a3f46; }
"""


def apply(app: QApplication) -> None:
    """Fusion style with the dark palette: the same look on every platform."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in [
        (QPalette.ColorRole.Window, WINDOW), (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.Base, BASE), (QPalette.ColorRole.AlternateBase, ALTERNATE),
        (QPalette.ColorRole.Text, TEXT), (QPalette.ColorRole.Button, PANEL),
        (QPalette.ColorRole.ButtonText, TEXT), (QPalette.ColorRole.Highlight, HIGHLIGHT),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")), (QPalette.ColorRole.ToolTipBase, PANEL),
        (QPalette.ColorRole.ToolTipText, TEXT), (QPalette.ColorRole.PlaceholderText, DIM_TEXT),
        (QPalette.ColorRole.Link, QColor("#6aa7e0")), (QPalette.ColorRole.Mid, QColor("#2c3036")),
        (QPalette.ColorRole.Dark, QColor("#121417")), (QPalette.ColorRole.Light, QColor("#3a3f46")),
    ]:
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5b6068"))
    # A disabled slider (the adapter strength of a model that has no adapter) must not look live.
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor("#3a3f46"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
