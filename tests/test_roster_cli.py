"""The roster and election command lines for the county rule set (issue 18)."""

from models.core import settings
from models.election import term as el


def test_roster_rules_applies_a_preset(db, db_path, cli_login, capsys):
    import cli

    cli_login("admin", "secret123")
    db.conn.commit()
    assert cli.main(["roster", "rules", "--preset", "9-11", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "咸安区做法" in out and "新提名（新进）年龄上限·男（0 = 不限）：35" in out
    assert settings.get(db, "roster.rule_preset") == "002" and settings.get(db, "roster.team_quota") == 9


def test_election_close_withdraws_incumbents(db, db_path, admin, cli_login, capsys):
    import cli
    from models.core import records

    with db.atomic():
        organ = records.insert(db, "organs", {"name": "党委", "kind": "党委"}, admin)
        post = records.insert(db, "posts", {"organ_uuid": organ, "title": "党委委员", "role": "committee",
                                            "is_team": 1}, admin)
        cadre = records.insert(db, "cadres", {"name": "老委员", "sex": "男", "birth_date": "1975-03",
                                              "status": "在职"}, admin)
        records.insert(db, "appointments", {"cadre_uuid": cadre, "post_uuid": post, "start_date": "2021-06"}, admin)
    ev = el.create_event(db, admin, term_number=8, event_date="2026-06-01",
                         races_spec=[{"name": "党委委员", "kind": "committee", "seats": 1}])
    cli_login("admin", "secret123")
    assert cli.main(["election", "close", "--db", str(db_path)]) == 0
    assert "老委员" in capsys.readouterr().out
    assert [n["name"] for n in el.nominees(db, ev) if n["withdrawn"]] == ["老委员"]


def test_roster_form_prints_the_appointment_form(tmp_path, cli_login, capsys):
    """A demo cadre's 干部任免审批表 from the command line, read back from the PDF."""
    import io

    import cli
    from pypdf import PdfReader

    from models.core.db import close_database, open_database
    from models.demo.township import DemoOptions, build_demo
    from models.roster import team as roster

    path = tmp_path / "demo.db"
    db = open_database(path)
    build_demo(db, DemoOptions(seed=5, tickets=20))
    cadre = roster.current_team(db)[0]
    close_database(db)
    cli_login()
    out = tmp_path / "form.pdf"
    assert cli.main(["roster", "form", "--name", cadre["name"], "--out", str(out), "--db", str(path)]) == 0
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages]
    assert len(pages) == 2 and "干部任免审批表" in pages[0] and cadre["name"] in pages[0]
    assert cli.main(["roster", "form", "--name", "没有这个人", "--out", str(out), "--db", str(path)]) != 0
    assert "没有“没有这个人”" in capsys.readouterr().err
