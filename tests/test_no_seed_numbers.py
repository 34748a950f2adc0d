"""Users never read the field reports' seed numbers ("[000]", "报告 001", "（[000] 等为调研报告编号）"):
a report is named by its title (models/roster/sources.py). Every text source a user reads is scanned:
settings labels and choices, rule and preset labels, rule findings, the window's widgets (labels,
buttons, tooltips, tables, menus) on the demo, the command line's --help of every command, and a
rendered notice's text layer."""

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import (QAbstractButton, QComboBox, QLabel, QLineEdit, QListWidget, QMenu, QTableWidget,
                               QTextBrowser, QWidget)

from models.core import settings, users

SEED_NUMBER = re.compile(r"\[\d{3}\]|(报告|来源|seed)\s*0\d{2}(?!\d)")
ROOT = Path(__file__).resolve().parent.parent


def _seeds(texts) -> list[str]:
    return [t for t in texts if t and SEED_NUMBER.search(t)]


def test_the_pattern_catches_what_users_used_to_read():
    assert _seeds(["[000] 7–11 人班子", "规则依据见各条目的来源编号（[000] 等为调研报告编号）", "（报告 004：70%）"]) == [
        "[000] 7–11 人班子", "规则依据见各条目的来源编号（[000] 等为调研报告编号）", "（报告 004：70%）"]
    assert not _seeds(["2026-000123", "330106001", "（依据《党政交叉任职调研报告》）"])


def test_settings_rules_and_presets_name_reports_by_title(demo_db):
    from models.roster import rules, sources

    texts = []
    for key, (_default, label, *_rest) in settings.DEFAULTS.items():
        texts.append(label)
        texts += [str(v) for v in settings.CHOICES.get(key, {}).values()]
    texts += [p["label"] for p in rules.PRESETS.values()] + list(sources.PRESET_NAMES.values())
    texts += [rule for _source, rule in rules.RULES.values()]
    findings = rules.check(demo_db)
    assert findings, "the demo has a rule finding to read"
    texts += [f["text"] for f in findings] + [f["rule"] for f in findings]
    texts += [message for _level, message in rules.check_findings(demo_db)]
    assert _seeds(texts) == []
    assert all("依据" in f["text"] for f in findings)


def _widget_texts(root: QWidget) -> list[str]:
    texts = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        texts.append(w.toolTip())
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QTextBrowser):
            texts.append(w.toPlainText())
        elif isinstance(w, QListWidget):
            texts += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                texts += [w.item(r, c).text() for c in range(w.columnCount()) if w.item(r, c) is not None]
            texts += [w.horizontalHeaderItem(c).text() for c in range(w.columnCount())
                      if w.horizontalHeaderItem(c) is not None]
        elif isinstance(w, QMenu):
            texts += [a.text() for a in w.actions()] + [a.toolTip() for a in w.actions()]
    return texts


def test_the_window_shows_no_seed_number(qtbot, demo_db, tmp_path):
    from PySide6.QtWidgets import QStackedWidget, QTabWidget

    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(demo_db, tmp_path / "demo.db", users.Actor("admin", users.ADMIN, "管理员")))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        texts = []
        # Every tab and every page inside it, shown once (pages fill themselves when shown).
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            qtbot.wait(10)
            tab = window.tabs.widget(i)
            for stack in [*tab.findChildren(QStackedWidget), *tab.findChildren(QTabWidget)]:
                for j in range(stack.count()):
                    stack.setCurrentIndex(j)
                    qtbot.wait(10)
                    texts += _widget_texts(stack.widget(j))
            texts += _widget_texts(window.tabs.widget(i))
        texts += _widget_texts(window)
        texts += [a.text() for a in window.menuBar().actions()]
        assert len(texts) > 500
        assert _seeds(texts) == []
    finally:
        window.close_without_saving_state()


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_command_line_help_shows_no_seed_number():
    import cli

    parser = cli.build_parser()
    helps = [p.format_help() for p in _parsers(parser)]
    assert len(helps) > 30, "every command's --help"
    assert _seeds(helps) == []
    # The same text as a real `--help` prints it.
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "roster", "rules", "--help"], capture_output=True,
                         text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert out.returncode == 0 and "9-11" in out.stdout and "咸安区做法" in out.stdout
    assert _seeds([out.stdout]) == []


def test_a_rendered_notice_names_no_seed_number(demo_db):
    from pypdf import PdfReader

    from models.notices import registry

    admin = users.Actor("admin", users.ADMIN, "管理员")
    params = registry.NoticeParams()
    kind = registry.get_kind("duties")
    findings = kind.findings(demo_db, params) if kind.findings else []
    pdf = registry.preview(demo_db, admin, "duties", params)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "分工" in text
    assert _seeds([text, *findings]) == []
