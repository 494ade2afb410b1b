"""The search box and its facets: category, duration range, sample rate, channels.

Typing searches after a short pause (not on every key), facets search at once; either way the
bar emits the whole query, and the window runs it on the library thread.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from soundloom.desktop.flow_layout import FlowLayout
from soundloom.desktop.query import Query
from soundloom.desktop.results import display

RATES = (None, 22050, 44100, 48000, 88200, 96000, 192000)
CHANNELS = ((None, "Any channels"), (1, "Mono"), (2, "Stereo"))
TYPING_PAUSE_MS = 150


class SearchBar(QWidget):
    query_changed = pyqtSignal(object)  # Query (scope left at its default: the window adds it)
    submitted = pyqtSignal()            # Enter in the text box
    move_down = pyqtSignal()            # Down arrow in the text box: on to the results

    def __init__(self, parent=None):
        super().__init__(parent)
        # Short enough to be read whole beside the facets; the tooltip and F1 say the rest.
        self.text = QLineEdit(placeholderText='Search  door -metal "a phrase" slam*')
        self.text.setToolTip('Search (/ from anywhere): door slam, both words · door -metal, without metal · '
                             '"door slam", the phrase · slam*, words starting with slam (Help ▸ Search Syntax, F1)')
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(150)
        self.category = QComboBox(minimumContentsLength=9)
        self.category.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.set_categories([])
        self.min_seconds = self._seconds_box("min")
        self.max_seconds = self._seconds_box("max")
        self.rate = QComboBox()
        for rate in RATES:
            self.rate.addItem("Any rate" if rate is None else f"{rate / 1000:g} kHz", rate)
        self.channels = QComboBox()
        for value, label in CHANNELS:
            self.channels.addItem(label, value)

        # One row beside the results; on a narrow window the facets wrap below the search text.
        layout = FlowLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.add(self.text, 3)
        layout.add(self.category, 1)
        length_range = QWidget()
        range_layout = QHBoxLayout(length_range)
        range_layout.setContentsMargins(0, 0, 0, 0)
        range_layout.setSpacing(6)
        length = QLabel("Length")
        length.setObjectName("dim")
        range_layout.addWidget(length)
        range_layout.addWidget(self.min_seconds)
        dash = QLabel("–")
        dash.setObjectName("dim")
        range_layout.addWidget(dash)
        range_layout.addWidget(self.max_seconds)
        layout.add(length_range)
        layout.add(self.rate)
        layout.add(self.channels)

        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(self._emit)
        self.text.textChanged.connect(self._typed)  # a bound method: a lambda would hold the bar alive
        self.text.returnPressed.connect(self._submit)
        for box in (self.category, self.rate, self.channels):
            box.currentIndexChanged.connect(self._emit)
        for box in (self.min_seconds, self.max_seconds):
            box.valueChanged.connect(self._emit)
        self.text.installEventFilter(self)

    def _seconds_box(self, which: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=36000.0, singleStep=0.5, suffix=" s")
        box.setSpecialValueText("any")  # the minimum (0) means no bound
        box.setToolTip(f"{which}imum length in seconds (0 = any)")
        box.setFixedWidth(74)
        return box

    def set_categories(self, categories: list[tuple[str, int]]) -> None:
        """Fill the category facet from LibraryIndex.categories(), keeping the current choice."""
        current = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("All categories", None)
        for name, count in categories:
            self.category.addItem(f"{display(name)}  ({count:,})", name)
        at = self.category.findData(current)
        self.category.setCurrentIndex(max(at, 0))
        self.category.blockSignals(False)

    def query(self) -> Query:
        low, high = self.min_seconds.value(), self.max_seconds.value()
        return Query(
            text=self.text.text().strip(),
            category=self.category.currentData(),
            min_seconds=low or None,
            max_seconds=high or None,
            sample_rate=self.rate.currentData(),
            channels=self.channels.currentData(),
        )

    def reset(self) -> None:
        """Empty text, every facet at "any", without emitting a query (the caller runs its own)."""
        self._typing.stop()
        widgets = (self.text, self.category, self.min_seconds, self.max_seconds, self.rate, self.channels)
        for widget in widgets:
            widget.blockSignals(True)
        self.text.clear()
        for box in (self.category, self.rate, self.channels):
            box.setCurrentIndex(0)
        for box in (self.min_seconds, self.max_seconds):
            box.setValue(0.0)
        for widget in widgets:
            widget.blockSignals(False)

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()

    def _typed(self, _text: str) -> None:
        self._typing.start()  # the search runs when typing pauses

    def _emit(self) -> None:
        self._typing.stop()
        self.query_changed.emit(self.query())

    def _submit(self) -> None:
        if self._typing.isActive():
            self._emit()
        self.submitted.emit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.text and event.type() == event.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            self.move_down.emit()
            return True
        return super().eventFilter(watched, event)
