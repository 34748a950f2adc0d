"""The 领导班子 tab."""

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.tabs.empty_state import EmptyState


class RosterTab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState("领导班子：尚未启用", "干部名册、交叉任职、分工、驻村联村和干部流向将在这里管理。"))
