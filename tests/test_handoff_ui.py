"""The hand-off as a clerk uses it: export from the township window, import at
the county, the comparison page and the conflict list."""

from PySide6.QtWidgets import QDialog, QMessageBox

from models.core import township
from models.core.users import ADMIN, Actor
from tests.handoff_helpers import PASSWORD, close, make_county, make_township


def _ctx(db):
    from ui.common.context import AppContext

    return AppContext(db, db.path, Actor("admin", ADMIN, "管理员"))


def test_export_import_and_compare_in_the_window(qtbot, tmp_path, monkeypatch):
    import ui.handoff.dialogs as dialogs
    from ui.handoff.county_view import CountyView

    stick = tmp_path / "usb"
    stick.mkdir()
    town = make_township(tmp_path / "town.db", "330106001", "青石镇", villages=4)
    messages = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: messages.append(text))

    def fill_export(dialog):
        dialog.destination.insertItem(0, str(stick), str(stick))
        dialog.destination.setCurrentIndex(0)
        dialog.everything.setChecked(True)
        dialog.password.setText("short")
        dialog._accept()
        assert dialog.error.text(), "a weak password is refused in the dialog"
        dialog.password.setText(PASSWORD)
        dialog.password2.setText(PASSWORD)
        dialog.error.clear()
        dialog._accept()
        return dialog.result()

    monkeypatch.setattr(dialogs.ExportPackageDialog, "exec", fill_export)
    dialogs.export_package_dialog(None, _ctx(town))
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    packages = list(stick.iterdir())
    assert len(packages) == 1 and not packages[0].name.endswith(".part")
    close(town)

    county = make_county(tmp_path / "county.db")
    ctx = _ctx(county)

    def fill_import(dialog):
        assert "青石镇" in dialog.info.text(), "the manifest is shown before the password"
        dialog.password.setText(PASSWORD)
        dialog._accept()
        return QDialog.Accepted

    messages.clear()
    monkeypatch.setattr(dialogs.ImportPackageDialog, "exec", fill_import)
    monkeypatch.setattr(dialogs, "confirm_new_key", lambda parent, new: True)  # the clerk compared it by phone
    dialogs.import_package_dialog(None, ctx, str(packages[0]))
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    assert len(township.villages(county, "330106001")) == 4

    view = CountyView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowCount() >= 1, timeout=30000)
    names = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert any("青石镇" in n for n in names)
    close(county)


def test_wrong_password_brings_the_dialog_back_with_the_file_chosen(qtbot, tmp_path, monkeypatch):
    """A wrong package password closed the import dialog; the clerk had to find the file again."""
    import ui.handoff.dialogs as dialogs
    from models import handoff

    town = make_township(tmp_path / "town.db", "330106002", "东岭镇")
    result = handoff.export_package(town, str(tmp_path), PASSWORD, Actor("admin", ADMIN), full=True)
    close(town)
    county = make_county(tmp_path / "county.db")
    before = county.execute("SELECT count(*) FROM villages").fetchone()[0]
    seen = []

    def fill(dialog):
        seen.append((dialog.path.text(), dialog.error.text()))
        if len(seen) == 1:
            dialog.password.setText("not the password")
            return QDialog.Accepted
        return QDialog.Rejected  # the clerk gives up the second time

    monkeypatch.setattr(dialogs.ImportPackageDialog, "exec", fill)
    monkeypatch.setattr(dialogs, "confirm_new_key", lambda parent, new: True)
    dialogs.import_package_dialog(None, _ctx(county), str(result.path))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=30000)
    assert seen[1][0] == str(result.path), "the file stays chosen"
    assert "密码错误" in seen[1][1]
    assert county.execute("SELECT count(*) FROM villages").fetchone()[0] == before
    close(county)


def _county_rows(db) -> tuple:
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("villages", "audit_log", "township_keys", "handoff_packages", "townships"))


def test_a_new_townships_fingerprint_is_asked_before_the_import(qtbot, tmp_path, monkeypatch):
    """Issue 20: the window showed the fingerprint after importing; now it is shown
    and confirmed first, and 取消 writes nothing."""
    import ui.handoff.dialogs as dialogs
    from models import handoff
    from models.core import signing

    town = make_township(tmp_path / "town.db", "330106003", "西坪镇")
    first = handoff.export_package(town, str(tmp_path), PASSWORD, Actor("admin", ADMIN), full=True).path
    township.add_village(town, Actor("admin", ADMIN), "西坪镇新村", 50)
    second = handoff.export_package(town, tmp_path / "second.xzpkg", PASSWORD, Actor("admin", ADMIN)).path
    town_fp = signing.own_fingerprint(town)
    close(town)
    county = make_county(tmp_path / "county.db")
    ctx = _ctx(county)

    def fill(dialog):
        dialog.password.setText(PASSWORD)
        return QDialog.Accepted

    monkeypatch.setattr(dialogs.ImportPackageDialog, "exec", fill)
    asked = []
    monkeypatch.setattr(dialogs, "confirm_new_key", lambda parent, new: asked.append(new) or False)
    before = _county_rows(county)
    dialogs.import_package_dialog(None, ctx, str(first))
    assert [(a.township_code, a.township_name, a.fingerprint) for a in asked] == [("330106003", "西坪镇", town_fp)]
    qtbot.wait(300)
    assert _county_rows(county) == before, "取消: nothing written, not even the key"

    messages = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: messages.append(text))
    monkeypatch.setattr(dialogs, "confirm_new_key", lambda parent, new: asked.append(new) or True)
    dialogs.import_package_dialog(None, ctx, str(first))
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    assert signing.registered_key(county, "330106003")["fingerprint"] == town_fp
    assert len(township.villages(county, "330106003")) == 3

    # The township's next package: its key is known, nothing to confirm.
    asked.clear()
    messages.clear()
    dialogs.import_package_dialog(None, ctx, str(second))
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    assert asked == [] and len(township.villages(county, "330106003")) == 4
    close(county)


def test_the_fingerprint_question_shows_it_and_cancels_by_default(qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import ui.handoff.dialogs as dialogs
    from models.handoff import NewTownshipKey

    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == "取消").click()

    QTimer.singleShot(200, answer)
    assert dialogs.confirm_new_key(None, NewTownshipKey("330106009", "南山镇", "ABCD 1234 EF56 7890")) is False
    assert "南山镇" in seen[0] and "ABCD 1234 EF56 7890" in seen[0]
