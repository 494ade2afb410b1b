"""The prompt bar: what to generate and how. Enter in a text field generates; a long prompt wraps.

Length is in seconds, or in bars at a tempo (seconds = bars × beats per bar × 60 / BPM, a beat
being a quarter note). The seed is either locked (the same seed every time, to vary the prompt
against a fixed starting point) or unlocked (a new random seed each time, shown in the field so a
take can be made again). Bad values get one inline line naming the field and the allowed range,
and nothing is sent.
"""

from __future__ import annotations

import random

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                             QToolButton, QVBoxLayout, QWidget)

from soundloom.desktop.flow_layout import FlowLayout
from soundloom.desktop.model_picker import ModelPicker
from soundloom.desktop.prompt_edit import PromptEdit

MIN_SECONDS, MAX_SECONDS = 0.5, 60.0
MAX_SEED = 2**32 - 1
SCHEDULERS = ("dpmpp", "ddim", "euler")
TIME_SIGNATURES = ("4/4", "3/4", "5/4", "6/8", "7/8", "12/8")


def beats_per_bar(signature: str) -> float:
    """Quarter-note beats in one bar of `signature` (6/8 → 3)."""
    top, _, bottom = signature.partition("/")
    return int(top) * 4 / int(bottom)


def bars_to_seconds(bars: float, bpm: float, signature: str = "4/4") -> float:
    return bars * beats_per_bar(signature) * 60.0 / bpm


def _group(widgets) -> QWidget:
    """Widgets that stay together on one row (a field and its name)."""
    group = QWidget()
    row = QHBoxLayout(group)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget)
    return group


class PromptError(ValueError):
    """A value the engine would refuse; the message names the field and the allowed range."""


class PromptBar(QWidget):
    generate_requested = pyqtSignal(dict)  # the SDK's submit_generate parameters

    def __init__(self, link=None, parent=None):
        super().__init__(parent)
        # Long prompts wrap over up to four lines (Shift+Enter for a line of its own); Enter generates.
        self.prompt = PromptEdit("Describe a sound to generate, e.g. “heavy wooden door slams shut”")
        self.negative = PromptEdit("Avoid (negative prompt)", max_lines=3)
        for field in (self.prompt, self.negative):
            field.setClearButtonEnabled(True)
        self.negative.setToolTip("What the sound should not have, e.g. “music, voices”")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(False)
        self.generate_button.setToolTip("Generate (Enter in the prompt)")

        self.length = QDoubleSpinBox(decimals=2, minimum=0.25, maximum=999.0, value=2.0, singleStep=0.5)
        self.length.setFixedWidth(70)
        self.unit = QComboBox()
        self.unit.addItems(["s", "bars"])
        self.bpm = QDoubleSpinBox(decimals=1, minimum=20.0, maximum=400.0, value=120.0, suffix=" BPM")
        self.bpm.setFixedWidth(88)
        self.signature = QComboBox()
        self.signature.addItems(TIME_SIGNATURES)
        self.length_hint = QLabel()
        self.length_hint.setObjectName("dim")
        self.variations = QSpinBox(minimum=1, maximum=16, value=1)
        self.variations.setToolTip("How many takes to make (1–16); each has its own seed")
        self.seed = QLineEdit()
        # Wide enough for the largest seed (ten digits) in whatever font the platform gives.
        self.seed.setFixedWidth(self.seed.fontMetrics().horizontalAdvance(str(MAX_SEED)) + 18)
        self.seed.setToolTip(f"Seed 0–{MAX_SEED}; unlocked: a new random seed each time")
        self.seed_lock = QToolButton(checkable=True)
        self.seed_lock.setToolTip("Lock the seed: every generation starts from the same noise")
        self.models = ModelPicker(link)
        self.advanced_button = QToolButton(text="Advanced ▸", checkable=True)

        self.steps = QSpinBox(minimum=0, maximum=1000, value=0)
        self.steps.setSpecialValueText("auto")  # 0: the model's own default (the starter's is 10)
        self.steps.setToolTip("Denoising steps (1–1000): fewer is faster, more is finer; auto uses the model's own default")
        self.guidance = QDoubleSpinBox(decimals=1, minimum=0.0, maximum=30.0, value=3.0, singleStep=0.5)
        self.guidance.setToolTip("How closely to follow the prompt (0–30; 1 or less turns guidance off)")
        self.scheduler = QComboBox()
        self.scheduler.addItems(SCHEDULERS)
        self.scheduler.setToolTip("Sampling method: dpmpp (good in few steps), ddim, euler")

        self.message = QLabel()
        self.message.setStyleSheet("color: #e07a6a;")
        self.message.hide()

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.prompt, 3, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.negative, 1, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.generate_button, 0, Qt.AlignmentFlag.AlignTop)

        # One row at the usual width; on a narrow window whole groups wrap onto a second row.
        settings = FlowLayout(spacing=12)
        for group in ((self._dim("Length"), self.length, self.unit, self.bpm, self.signature, self.length_hint),
                      (self._dim("Takes"), self.variations), (self._dim("Seed"), self.seed, self.seed_lock),
                      (self._dim("Model"), self.models), (self.advanced_button,)):
            settings.add(_group(group))
        self.models.setMaximumWidth(330)

        self.drawer = QWidget()
        drawer = FlowLayout(self.drawer, spacing=12)
        for group in ((self._dim("Steps"), self.steps), (self._dim("Guidance"), self.guidance),
                      (self._dim("Scheduler"), self.scheduler)):
            drawer.add(_group(group))
        self.drawer.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 2)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(settings)
        layout.addWidget(self.drawer)
        layout.addWidget(self.message)

        self.prompt.returnPressed.connect(self.generate)
        self.negative.returnPressed.connect(self.generate)
        self.seed.returnPressed.connect(self.generate)
        self.generate_button.clicked.connect(self.generate)
        self.advanced_button.toggled.connect(self._toggle_drawer)
        self.seed_lock.toggled.connect(self._lock_changed)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        for signal in (self.length.valueChanged, self.bpm.valueChanged, self.signature.currentIndexChanged):
            signal.connect(self._update_length_hint)
        self.prompt.textChanged.connect(self.clear_message)
        self._lock_changed(False)
        self._unit_changed()
        self.new_seed()

    @staticmethod
    def _dim(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("dim")
        return label

    # ------------------------------------------------------------------ state

    def set_enabled_reason(self, reason: str) -> None:
        """Disable generating with `reason` as the tooltip (empty: enable)."""
        for widget in (self.prompt, self.generate_button):
            widget.setEnabled(not reason)
        self.generate_button.setToolTip(reason or "Generate (Enter in the prompt)")
        self.prompt.setToolTip(reason)
        self.prompt.setPlaceholderText(
            "Generating is unavailable: " + reason if reason else
            "Describe a sound to generate, e.g. “heavy wooden door slams shut”")

    def new_seed(self) -> int:
        seed = random.randint(0, MAX_SEED)
        self.seed.setText(str(seed))
        return seed

    def seconds(self) -> float:
        """The requested length in seconds (from bars at the tempo when the unit is bars)."""
        value = self.length.value()
        if self.unit.currentText() == "bars":
            return bars_to_seconds(value, self.bpm.value(), self.signature.currentText())
        return value

    def request(self) -> dict:
        """The submit_generate parameters, or PromptError naming the bad field."""
        prompt = " ".join(self.prompt.text().split())
        if not prompt:
            raise PromptError("Type a prompt first: describe the sound, e.g. “rain on a tin roof”")
        seconds = round(self.seconds(), 4)
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            what = f"{self.length.value():g} bars at {self.bpm.value():g} BPM = {seconds:.2f} s" \
                if self.unit.currentText() == "bars" else f"{seconds:g} s"
            raise PromptError(f"length: {what}; allowed {MIN_SECONDS:g}–{MAX_SECONDS:g} s")
        if self.seed_lock.isChecked():
            text = self.seed.text().strip()
            if not text.isdigit() or int(text) > MAX_SEED:
                raise PromptError(f"seed: {text or 'empty'}; allowed a whole number 0–{MAX_SEED}")
            seed = int(text)
        else:
            seed = self.new_seed()
        params = dict(prompt=prompt, negative_prompt=" ".join(self.negative.text().split()), seconds=seconds,
                      variations=self.variations.value(), seed=seed, steps=self.steps.value() or None,
                      guidance=self.guidance.value(), scheduler=self.scheduler.currentText(),
                      model=self.models.model())
        scale = self.models.adapter_scale()
        if scale is not None:
            params["adapter_scale"] = scale
        return params

    def generate(self) -> bool:
        """Send the request (generate_requested), or show why not; True when sent."""
        if not self.generate_button.isEnabled():
            return False
        try:
            params = self.request()
        except PromptError as exc:
            self.show_message(str(exc))
            return False
        self.clear_message()
        self.generate_requested.emit(params)
        return True

    def set_prompt(self, text: str) -> None:
        self.prompt.setText(text)
        self.clear_message()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    # ------------------------------------------------------------------ reactions

    def _toggle_drawer(self, on: bool) -> None:
        self.drawer.setVisible(on)
        self.advanced_button.setText("Advanced ▾" if on else "Advanced ▸")

    def _lock_changed(self, locked: bool) -> None:
        # Words, not lock glyphs: not every system font has them.
        self.seed_lock.setText("Locked" if locked else "Lock")
        self.seed.setReadOnly(not locked)
        self.seed.setObjectName("" if locked else "dimField")
        self.seed.setStyleSheet("" if locked else "color: #8a9099;")

    def _unit_changed(self, *_args) -> None:
        bars = self.unit.currentText() == "bars"
        self.bpm.setVisible(bars)
        self.signature.setVisible(bars)
        self.length.setDecimals(0 if bars else 2)
        self.length.setSingleStep(1.0 if bars else 0.5)
        if bars and self.length.value() < 1:
            self.length.setValue(1)
        self._update_length_hint()

    def _update_length_hint(self, *_args) -> None:
        if self.unit.currentText() == "bars":
            self.length_hint.setText(f"= {self.seconds():.2f} s")
            self.length_hint.show()
        else:
            self.length_hint.hide()
