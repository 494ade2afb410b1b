"""The engine's state in the status bar: model, device, queue, busy or idle, or why there is none."""

from __future__ import annotations

from soundloom.desktop.elided_label import ElidedLabel
from soundloom.desktop.engine_link import ENGINE_INSTALL_HINT, EngineStatus


class EngineStatusLabel(ElidedLabel):
    """Follows `EngineLink.status_changed`; its tooltip says what the line means and what to do."""

    def __init__(self, link, parent=None):
        super().__init__(parent)
        self.setObjectName("dim")
        self.show_status(link.status)
        link.status_changed.connect(self.show_status)

    def show_status(self, status: EngineStatus) -> None:
        self.setText(status.text())
        if status.engine_missing:
            self.setStyleSheet("color: #e0a534;")
            self.setToolTip("Generating needs the engine, which this install does not include.\n"
                            f"Install it with:  {ENGINE_INSTALL_HINT}\n"
                            "or start an engine on this machine; the app connects by itself.")
        elif not status.connected:
            self.setStyleSheet("color: #e0a534;" if "lost" in status.message or "cannot" in status.message else "")
            self.setToolTip(status.message)
        else:
            self.setStyleSheet("")
            self.setToolTip(f"Default model {status.model} on {status.device}; "
                            f"{status.queue} job(s) queued or running in the engine")
