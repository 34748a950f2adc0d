"""The 考核 tab."""

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.tabs.empty_state import EmptyState


class AssessTab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState("考核：尚未启用", "考核方案、评分、民主测评和结果将在这里管理。"))
