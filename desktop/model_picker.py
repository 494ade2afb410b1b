"""Which model makes the sound: every base model and fine-tuned variant the engine lists, and
the strength (adapter scale, 0–2) of a variant's adapter."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QStandardItem, QStandardItemModel
from PyQt6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QWidget

SCALE_STEPS = 100  # slider positions per 1.0 of adapter scale


class ModelPicker(QWidget):
    """A model list that follows `EngineLink.models_changed`; `model()` is None for the engine's default."""

    changed = pyqtSignal()

    def __init__(self, link=None, parent=None):
        super().__init__(parent)
        self.combo = QComboBox(minimumContentsLength=9)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setToolTip("The model that makes the sound; fine-tuned variants are listed under their base")
        self.items = QStandardItemModel(self)
        self.combo.setModel(self.items)
        self.scale = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=2 * SCALE_STEPS, value=SCALE_STEPS)
        self.scale.setFixedWidth(64)
        self.scale.setToolTip("Adapter strength of a fine-tuned variant: 0 = the base model, 1 = as trained, 2 = exaggerated")
        self.scale_label = QLabel("×1.00")
        self.scale_label.setObjectName("dim")
        self.scale_label.setMinimumWidth(36)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.scale)
        layout.addWidget(self.scale_label)
        self.scale.valueChanged.connect(self._scale_moved)
        self.combo.currentIndexChanged.connect(self._model_changed)
        self.set_models([])
        if link is not None:
            self.set_models(link.models)
            link.models_changed.connect(self.set_models)

    def set_models(self, models: list[dict]) -> None:
        """Fill from EngineLink.models_changed, keeping the current choice when it is still listed."""
        current = self.model()
        self.combo.blockSignals(True)
        self.items.clear()
        default = QStandardItem("Engine default")
        default.setData(None, Qt.ItemDataRole.UserRole)
        default.setToolTip("Whichever model the engine runs by default")
        self.items.appendRow(default)
        bases = [m for m in models if m.get("kind") != "adapter"]
        variants = [m for m in models if m.get("kind") == "adapter"]
        for base in bases:
            self.items.appendRow(self._item(base["name"], base["name"], True, f"{base.get('family', '')} "
                                            f"{base.get('sample_rate', '')} Hz".strip()))
            for variant in (v for v in variants if v.get("base") == base["name"]):
                self.items.appendRow(self._variant_item(variant))
        for variant in (v for v in variants if v.get("base") not in {b["name"] for b in bases}):
            self.items.appendRow(self._variant_item(variant))
        at = self.combo.findData(current, Qt.ItemDataRole.UserRole) if current is not None else 0
        self.combo.setCurrentIndex(max(at, 0))
        self.combo.blockSignals(False)
        self._model_changed()

    def _variant_item(self, variant: dict) -> QStandardItem:
        usable = variant.get("usable", True) and variant.get("state", "ready") != "training"
        adapter = variant.get("adapter") or str(variant["name"]).split("+", 1)[-1]
        label = f"   + {adapter}" + ("" if usable else "  (training…)")
        return self._item(label, variant["name"], usable, f"fine-tuned variant {variant['name']}")

    @staticmethod
    def _item(label: str, name: str, enabled: bool, tip: str) -> QStandardItem:
        item = QStandardItem(label)
        item.setData(name, Qt.ItemDataRole.UserRole)
        item.setEnabled(enabled)
        item.setToolTip(tip)
        return item

    def model(self) -> str | None:
        return self.combo.currentData(Qt.ItemDataRole.UserRole)

    def select(self, name: str | None) -> bool:
        at = self.combo.findData(name, Qt.ItemDataRole.UserRole) if name is not None else 0
        if at >= 0:
            self.combo.setCurrentIndex(at)
        return at >= 0

    def is_variant(self) -> bool:
        return "+" in (self.model() or "")

    def adapter_scale(self) -> float | None:
        """The adapter strength for a variant (0–2), None for a base model (the engine's default)."""
        return self.scale.value() / SCALE_STEPS if self.is_variant() else None

    def _scale_moved(self, value: int) -> None:
        self.scale_label.setText(f"×{value / SCALE_STEPS:.2f}")
        self.changed.emit()

    def _model_changed(self, *_args) -> None:
        variant = self.is_variant()
        self.scale.setEnabled(variant)
        self.scale_label.setEnabled(variant)
        self.changed.emit()
