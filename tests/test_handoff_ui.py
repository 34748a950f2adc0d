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
    dialogs.import_package_dialog(None, _ctx(county), str(result.path))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=30000)
    assert seen[1][0] == str(result.path), "the file stays chosen"
    assert "密码错误" in seen[1][1]
    assert county.execute("SELECT count(*) FROM villages").fetchone()[0] == before
    close(county)
