"""The "Regenerate" dock of the main window: the regenerate/re-imagine/extend panel and its takes."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDockWidget

from soundloom.desktop.regen_panel import RegenPanel


class RegenDock(QDockWidget):
    """Hosted by a window offering what RegenPanel's docstring lists; `dock.panel` is the panel."""

    def __init__(self, window, *, allow_variations: bool = True, show_take_view: bool = True):
        super().__init__("Regenerate", window)
        self.setObjectName("regenerate-dock")  # saveState/restoreState find it by this name
        self.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
                             | Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.panel = RegenPanel(window, allow_variations=allow_variations, show_take_view=show_take_view)
        # Narrow enough for a laptop screen shared with a DAW; the rows below wrap to fit.
        self.panel.setMinimumWidth(240)
        self.setWidget(self.panel)

    def shutdown(self) -> None:
        """Stop the panel's background work; the host calls this when it closes."""
        self.panel.close_panel()
