"""No code word reaches a person through the settings: a label, a choice, or
a value as the 设置 → 参数 page or the 考核 results page shows it
("驻村干部末位（报告：年终）Y" was read on the results page; the setting was
typed as "Y" or "Q1,Q2,Q3,Q4,Y")."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit

from models.core import settings, users
from models.core.db import close_database, open_database

# Latin letters a person may read: a size unit and paper sizes (A4, A3).
ALLOWED = {"MB", "A"}


def code_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z_]+", str(text)) if w not in ALLOWED]


def test_code_words_are_caught():
    assert code_words("驻村干部末位（报告：年终）Y") == ["Y"]
    assert code_words("True") == ["True"] and code_words("year_end") == ["year_end"]
    assert code_words("备份总大小上限（MB）") == [] and code_words("A4 纵向") == []


def test_no_setting_label_or_choice_holds_a_code_word():
    from models.startup import register_all_settings

    register_all_settings()
    found = []
    for key, (_default, label, _kind) in settings.DEFAULTS.items():
        found += [(key, "label", w) for w in code_words(label)]
        for text in settings.CHOICES.get(key, {}).values():
            found += [(key, "choice", w) for w in code_words(text)]
    assert found == []


def test_the_params_page_shows_no_value_as_a_code_word(qtbot, tmp_path):
    from models.startup import register_all_settings
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog

    register_all_settings()
    path = tmp_path / "office.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    try:
        dialog = SettingsDialog(AppContext(db, path, admin), None, 4)
        qtbot.addWidget(dialog)
        found = []
        for key, (widget, kind) in dialog.param_widgets.items():
            if isinstance(widget, QComboBox):
                shown = [widget.currentText()] + [widget.itemText(i) for i in range(widget.count())]
            elif isinstance(widget, QCheckBox):
                shown = [widget.text()]  # ticked or not; the row's label says what
            elif isinstance(widget, QAbstractSpinBox):
                shown = [widget.text()]
            else:
                assert isinstance(widget, QLineEdit), (key, type(widget))
                shown = [widget.text()]
            found += [(key, w) for text in shown for w in code_words(text)]
            if kind is bool:
                assert isinstance(widget, QCheckBox), key  # never "True"/"False" typed in a box
        assert found == []
    finally:
        close_database(db)


def test_the_assess_results_basis_line_shows_no_code_word(db, admin):
    from models.assess import results as assess_results
    from models.assess import scorecard as assess

    plan = assess.create_plan(db, admin, 2026, standard=False)
    for key, choices in settings.CHOICES.items():
        if not key.startswith("assess."):
            continue
        for stored in choices:  # every value the settings can take
            settings.set_value(db, key, stored, admin)
            for with_plan in (None, plan):
                for label, value in assess_results.settings_summary(db, with_plan):
                    assert code_words(label) == [] and code_words(value) == [], (key, stored, label, value)
    settings.set_value(db, "assess.last_place_periods", "Y", admin)
    summary = dict(assess_results.settings_summary(db, plan))
    assert summary["驻村干部末位（报告：年终）"] == "仅年终考核（报告做法）"
