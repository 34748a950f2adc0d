"""The 便民服务 tab."""

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.tabs.empty_state import EmptyState


class ServiceTab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState("便民服务：尚未启用", "一窗受理的办件登记、时限和回访将在这里管理。"))
