"""recompute() writes only the results that changed (issue 16, point 8: speed).
Whatever the edits, the stored results must equal a recompute from nothing."""

from __future__ import annotations

import random

from models.assess import results as assess_results
from models.assess import scorecard as assess

COLUMNS = ("plan_uuid, period, subject_uuid, category_uuid, township_code, item_total, ballot_points, bonus, "
           "deduction, total, rank, grade, vetoed, veto_items, quota_cut, last_place, missing, note")


def stored(db):
    return db.execute(f"SELECT {COLUMNS} FROM assess_results ORDER BY plan_uuid, period, subject_uuid").fetchall()


def from_nothing(db):
    with db.atomic():
        db.execute("DELETE FROM assess_results")
    assess_results.recompute(db)
    return stored(db)


def test_changed_rows_only_and_the_same_results_as_from_nothing(db, admin):
    rng = random.Random(16)
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "驻村干部", village_stationed=True, standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    sat = assess.add_item(db, admin, cat, "群众满意率", "normal", 100, source="service.satisfaction")
    bonus = assess.add_item(db, admin, cat, "上级表彰", "bonus", 30)
    veto = assess.add_item(db, admin, cat, "安全生产", "veto")
    people = [assess.add_subject(db, admin, cat, f"干部{i}") for i in range(12)]
    for p in people:
        for q in assess.QUARTERS:
            assess.set_score(db, admin, q, p, work, rng.randint(600, 900))
    assess_results.recompute(db)
    first = stored(db)
    stamp = db.execute("SELECT computed_at FROM assess_results LIMIT 1").fetchone()[0]
    db.execute("UPDATE assess_results SET computed_at = 'unchanged' ")  # marks the rows a recompute leaves alone
    assess_results.recompute(db)
    assert stored(db) == first and stamp
    assert db.execute("SELECT count(*) FROM assess_results WHERE computed_at <> 'unchanged'").fetchone()[0] == 0

    # one score moves one person's Q1, H1 and Y rows (and the ranks it crosses), not the whole table
    assess.set_score(db, admin, "Q1", people[0], work, 900)
    assess_results.recompute(db)
    moved = db.execute("SELECT count(*) FROM assess_results WHERE computed_at <> 'unchanged'").fetchone()[0]
    assert 3 <= moved < len(first)

    removed: list[str] = []
    for _ in range(40):  # random edits, each followed by a recompute of one plan, one period or all
        p, q = rng.choice(people), rng.choice(assess.QUARTERS)
        edit = rng.random()
        if edit < 0.4:
            assess.set_score(db, admin, q, p, work, rng.choice([rng.randint(500, 900), ""]))
        elif edit < 0.6:
            assess.set_score(db, admin, q, p, sat, rng.choice([rng.randint(50, 100), ""]))
        elif edit < 0.75:
            assess.set_score(db, admin, rng.choice(["Q1", "Y"]), p, bonus, rng.choice([10, ""]))
        elif edit < 0.85:
            assess.set_score(db, admin, q, p, veto, rng.choice(["是", "否"]))
        elif edit < 0.92:
            assess_results.change_plan(db, admin, plan, missing_rule=rng.choice(list(assess.MISSING_RULES)))
        elif len(people) > 4:  # a person leaves the plan: the rows of all periods go
            assess.remove_subject(db, admin, p)
            people.remove(p)
            removed.append(p)
        assess_results.recompute(db, rng.choice([None, plan]), rng.choice([None, "Q1", "H1", "Y"]))
    assess_results.recompute(db)
    incremental = stored(db)
    assert removed and not any(row[2] in removed for row in incremental)
    assert incremental == from_nothing(db)
