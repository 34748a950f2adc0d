"""The 换届选举 window, offscreen: create an event, nominate, refuse a short
candidate list, count a round with a run-off, and the read-only view."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from models.election import term as el
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def ctx(db, admin):
    from ui.common.context import AppContext

    return AppContext(db, db.path, admin)


@pytest.fixture
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: seen.append(text))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    return seen


def test_empty_then_new_event(qtbot, ctx, warnings):
    from ui.election.dialog import ElectionWindow, EventDialog

    w = ElectionWindow(ctx)
    qtbot.addWidget(w)
    assert w.tabs.isHidden() and not w.empty.isHidden()
    dlg = EventDialog(ctx, w)
    dlg.term.setValue(8)
    dlg.committee.setValue(3)
    dlg._save()
    wait_for_actions(qtbot)
    assert dlg.result() == QDialog.Accepted
    w.reload_events(select=dlg.created)
    assert not w.tabs.isHidden()
    assert w.races_table.rowCount() == 3
    assert w.races_table.item(0, 4).text() == "4"  # 3 seats +30% → 4


def _setup(ctx, admin):
    ev = el.create_event(ctx.db, admin, term_number=8, event_date="2026-06-01",
                         races_spec=[{"name": "党委书记", "kind": "secretary", "seats": 1}])
    keys = [el.add_nominee(ctx.db, admin, ev, name=n, sex=s, birth_date="1980-01-01")
            for n, s in (("甲", "男"), ("乙", "女"), ("丙", "男"))]
    return ev, keys


def test_candidates_margin_and_runoff(qtbot, ctx, admin, warnings):
    from ui.election.dialog import ElectionWindow

    ev, keys = _setup(ctx, admin)
    w = ElectionWindow(ctx)
    qtbot.addWidget(w)
    w.tabs.setCurrentIndex(2)
    # only one candidate ticked: below the 50% margin, refused, nothing saved
    w.cands_table.item(0, 0).setCheckState(Qt.Checked)
    assert "还差 1 名" in w.margin_label.text()
    w._save_candidates()
    wait_for_actions(qtbot)
    assert warnings and "至少 2 名" in warnings[-1]
    assert el.candidates(ctx.db, w._current_race()) == []
    for r in range(3):
        w.cands_table.item(r, 0).setCheckState(Qt.Checked)
    w._save_candidates()
    wait_for_actions(qtbot)
    assert len(el.candidates(ctx.db, w._current_race())) == 3
    # round 1: a tie → run-off between the tied two (the majority counts those entitled: 应到)
    w.expected_spin.setValue(10)
    w.present_spin.setValue(10)
    spins = list(w.ballot_spins.values())
    spins[0].setValue(5)
    spins[1].setValue(5)
    w._save_round()
    wait_for_actions(qtbot)
    state = el.race_result(ctx.db, w._current_race())
    assert state["open_seats"] == 1 and len(w.ballot_spins) == 2
    assert "另行选举" in w.round_title.text()
    # votes above the valid ballots are refused with a message
    w.present_spin.setValue(10)
    list(w.ballot_spins.values())[0].setValue(11)
    w._save_round()
    wait_for_actions(qtbot)
    assert "多于有效票" in warnings[-1]
    list(w.ballot_spins.values())[0].setValue(7)
    w._save_round()
    wait_for_actions(qtbot)
    assert el.race_result(ctx.db, w._current_race())["open_seats"] == 0
    w.tabs.setCurrentIndex(3)
    assert w.result_table.rowCount() == 1 and w.result_table.item(0, 2).text() in ("甲", "乙", "丙")


def test_read_only_user_cannot_write(qtbot, db, admin, actor_of):
    from ui.common.context import AppContext
    from ui.election.dialog import ElectionWindow

    ctx = AppContext(db, db.path, actor_of("readonly"))
    _setup(ctx, admin)
    w = ElectionWindow(ctx)
    qtbot.addWidget(w)
    assert not w.add_nominee_btn.isEnabled() and not w.new_event_btn.isEnabled()
    assert w.noms_table.rowCount() == 3


def test_rec_unit_dialog_refuses_too_many_marks(qtbot, ctx, admin, warnings):
    from ui.election.dialog import RecUnitDialog

    ev, keys = _setup(ctx, admin)  # rec seats = 1 (the secretary seat)
    dlg = RecUnitDialog(ctx, ev, None)
    qtbot.addWidget(dlg)
    dlg.name.setText("青石村")
    dlg.em.setValue(10)
    dlg.pm.setValue(10)
    for spin in dlg.spins.values():
        spin.setValue(6)
    dlg._save()
    wait_for_actions(qtbot)
    assert "所划人数多于应选名额" in dlg.error.text()
    assert el.rec_units(ctx.db, ev) == []
    for spin, n in zip(dlg.spins.values(), (6, 3, 1)):
        spin.setValue(n)
    dlg._save()
    wait_for_actions(qtbot)
    assert dlg.result() == QDialog.Accepted
    assert [r["votes"] for r in el.recommendation(ctx.db, ev)["ranking"]] == [6, 3, 1]


def test_import_units_from_csv(qtbot, ctx, admin, warnings, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from ui.election.dialog import ElectionWindow

    ev, keys = _setup(ctx, admin)
    csv_path = tmp_path / "rec.csv"
    csv_path.write_text("单位,类别,应到党员,实到党员,应到群众代表,实到群众代表,无效票,甲,乙\n"
                        "青石村,村,10,9,0,0,0,6,3\n东岭村,村,10,9,0,0,0,10,0\n", encoding="utf-8-sig")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_path), ""))
    w = ElectionWindow(ctx)
    qtbot.addWidget(w)
    w.tabs.setCurrentIndex(1)
    w._import_units()
    wait_for_actions(qtbot)
    assert "第 3 行" in warnings[-1] and w.units_table.rowCount() == 0
    csv_path.write_text("单位,类别,应到党员,实到党员,应到群众代表,实到群众代表,无效票,甲,乙\n"
                        "青石村,村,10,9,0,0,0,6,3\n", encoding="utf-8-sig")
    w._import_units()
    wait_for_actions(qtbot)
    assert w.units_table.rowCount() == 1 and w.rank_table.item(0, 1).text() == "甲"


def test_close_nominations_button_records_withdrawn_incumbents(qtbot, ctx, admin, warnings):
    from models.core import records
    from ui.election.dialog import ElectionWindow

    with ctx.db.atomic():
        organ = records.insert(ctx.db, "organs", {"name": "党委", "kind": "党委"}, admin)
        post = records.insert(ctx.db, "posts", {"organ_uuid": organ, "title": "党委委员", "role": "committee",
                                                "is_team": 1}, admin)
        cadre = records.insert(ctx.db, "cadres", {"name": "老委员", "sex": "男", "birth_date": "1975-03",
                                                  "status": "在职"}, admin)
        records.insert(ctx.db, "appointments", {"cadre_uuid": cadre, "post_uuid": post, "start_date": "2021-06"},
                       admin)
    ev, _ = _setup(ctx, admin)
    w = ElectionWindow(ctx)
    qtbot.addWidget(w)
    w._close_nominations()
    wait_for_actions(qtbot)
    assert w.noms_table.rowCount() == 4
    texts = [w.noms_table.item(r, 8).text() for r in range(4)]
    assert any("未自荐报名" in t for t in texts)
    assert not warnings
