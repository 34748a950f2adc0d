"""Schema migrations of the assess domain (see models/core/migrations.py).

Travelling tables (plan, categories, items, subjects, scores, ballots, targets,
target checks, appeals, reward pools) carry uuids; the people assessed are
soft references (`person_uuid`, no FOREIGN KEY) with a stored display name,
because the roster lives in another domain. `assess_results` is a local cache
recomputed from the stored scores, so it does not travel.
"""

from __future__ import annotations

import json

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("assess")

for _name in ("assess_plans", "assess_categories", "assess_items", "assess_subjects", "assess_scores",
              "assess_ballots", "assess_targets", "assess_target_checks", "assess_appeals",
              "assess_reward_pools", "assess_tiebreaks", "assess_past_grades"):
    register_travel_table(_name)


@migrations()
def m001_assess(db: Database):
    create_travel_table(
        db, "assess_plans",
        "year INTEGER NOT NULL, name TEXT NOT NULL, periods TEXT NOT NULL DEFAULT 'Q1,Q2,Q3,Q4,H1,Y', "
        "origin TEXT NOT NULL DEFAULT 'local', note TEXT",
    )
    db.execute("CREATE INDEX idx_assess_plans_year ON assess_plans(year, deleted)")
    create_travel_table(
        db, "assess_categories",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), name TEXT NOT NULL, "
        "total_points REAL NOT NULL DEFAULT 1000, bonus_cap REAL NOT NULL DEFAULT 0, "
        "deduction_cap REAL NOT NULL DEFAULT 0, village_stationed INTEGER NOT NULL DEFAULT 0, "
        "sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_assess_categories_plan ON assess_categories(plan_uuid, deleted, sort_order)")
    # kind: group | normal | bonus | deduction | veto. source: '' (entered by hand)
    # or a key of models.assess.scorecard.DERIVED_SOURCES / 'ballot'.
    create_travel_table(
        db, "assess_items",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), "
        "category_uuid TEXT NOT NULL REFERENCES assess_categories(uuid), "
        "parent_uuid TEXT REFERENCES assess_items(uuid), name TEXT NOT NULL, kind TEXT NOT NULL, "
        "max_points REAL NOT NULL DEFAULT 0, standard TEXT, source TEXT NOT NULL DEFAULT '', "
        "sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_assess_items_cat ON assess_items(category_uuid, deleted, sort_order)")
    db.execute("CREATE INDEX idx_assess_items_plan ON assess_items(plan_uuid, deleted)")
    # kind: cadre | office | village_cadre. role for village cadres:
    # secretary | director | accountant.
    create_travel_table(
        db, "assess_subjects",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), "
        "category_uuid TEXT NOT NULL REFERENCES assess_categories(uuid), "
        "person_uuid TEXT, person_name TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'cadre', "
        "village_uuid TEXT, village_name TEXT, role TEXT NOT NULL DEFAULT '', "
        "sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_assess_subjects_cat ON assess_subjects(category_uuid, deleted, sort_order)")
    db.execute("CREATE INDEX idx_assess_subjects_plan ON assess_subjects(plan_uuid, deleted)")
    create_travel_table(
        db, "assess_scores",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), period TEXT NOT NULL, "
        "subject_uuid TEXT NOT NULL REFERENCES assess_subjects(uuid), "
        "item_uuid TEXT NOT NULL REFERENCES assess_items(uuid), points REAL NOT NULL, "
        "reason TEXT, source TEXT NOT NULL DEFAULT ''",
    )
    db.execute("CREATE UNIQUE INDEX idx_assess_scores_cell ON assess_scores(subject_uuid, item_uuid, period) "
               "WHERE deleted = 0")
    db.execute("CREATE INDEX idx_assess_scores_plan ON assess_scores(plan_uuid, period, deleted)")
    # voter_group: leaders (班子成员) | cadres (干部) | public (群众代表/群众监评会)
    create_travel_table(
        db, "assess_ballots",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), period TEXT NOT NULL, "
        "subject_uuid TEXT NOT NULL REFERENCES assess_subjects(uuid), voter_group TEXT NOT NULL, "
        "voters INTEGER NOT NULL, excellent INTEGER NOT NULL DEFAULT 0, competent INTEGER NOT NULL DEFAULT 0, "
        "basic INTEGER NOT NULL DEFAULT 0, incompetent INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE UNIQUE INDEX idx_assess_ballots_cell ON assess_ballots(subject_uuid, period, voter_group) "
               "WHERE deleted = 0")
    db.execute("CREATE INDEX idx_assess_ballots_plan ON assess_ballots(plan_uuid, period, deleted)")
    create_travel_table(
        db, "assess_targets",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), subject_uuid TEXT, owner_name TEXT NOT NULL, "
        "owner_kind TEXT NOT NULL DEFAULT 'person', content TEXT NOT NULL, measure TEXT, deadline TEXT, "
        "q1 TEXT, q2 TEXT, q3 TEXT, q4 TEXT, signed_on TEXT, status TEXT NOT NULL DEFAULT 'open'",
    )
    db.execute("CREATE INDEX idx_assess_targets_plan ON assess_targets(plan_uuid, deleted, status)")
    create_travel_table(
        db, "assess_target_checks",
        "target_uuid TEXT NOT NULL REFERENCES assess_targets(uuid), check_date TEXT NOT NULL, "
        "checker TEXT NOT NULL, result TEXT NOT NULL, evidence TEXT, recheck_date TEXT, notice_no TEXT",
    )
    db.execute("CREATE INDEX idx_assess_target_checks_target ON assess_target_checks(target_uuid, deleted)")
    create_travel_table(
        db, "assess_appeals",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), period TEXT NOT NULL, "
        "subject_uuid TEXT NOT NULL REFERENCES assess_subjects(uuid), filed_on TEXT NOT NULL, "
        "reason TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', resolution TEXT, change_log TEXT",
    )
    db.execute("CREATE INDEX idx_assess_appeals_plan ON assess_appeals(plan_uuid, status, deleted)")
    create_travel_table(
        db, "assess_reward_pools",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), period TEXT NOT NULL, category_uuid TEXT, "
        "name TEXT NOT NULL, amount REAL NOT NULL",
    )
    db.execute(
        "CREATE TABLE assess_results (plan_uuid TEXT NOT NULL, period TEXT NOT NULL, "
        "subject_uuid TEXT NOT NULL, category_uuid TEXT NOT NULL, township_code TEXT NOT NULL, "
        "item_total REAL NOT NULL, ballot_points REAL, bonus REAL NOT NULL DEFAULT 0, "
        "deduction REAL NOT NULL DEFAULT 0, total REAL NOT NULL, rank INTEGER, grade TEXT NOT NULL, "
        "vetoed INTEGER NOT NULL DEFAULT 0, veto_items TEXT, quota_cut INTEGER NOT NULL DEFAULT 0, "
        "last_place INTEGER NOT NULL DEFAULT 0, computed_at TEXT NOT NULL, "
        "PRIMARY KEY (plan_uuid, period, subject_uuid))"
    )
    db.execute("CREATE INDEX idx_assess_results_rank ON assess_results(plan_uuid, period, category_uuid, rank)")
    db.execute("CREATE INDEX idx_assess_results_total ON assess_results(plan_uuid, period, total)")


_KIND_OF_NEW = ("COALESCE((SELECT CASE WHEN i.source = 'ballot' THEN 'ballot' ELSE i.kind END "
                "FROM assess_items i WHERE i.uuid = NEW.item_uuid), 'unknown')")
_KIND_OF_OLD = _KIND_OF_NEW.replace("NEW.", "OLD.")


@migrations()
def m002_score_sums(db: Database):
    """Per person, period and item kind, the running sum of live scores, kept
    by triggers (so rows merged from a data package count too). Recomputing a
    county's results then reads tens of thousands of sums instead of a million
    scores."""
    db.execute(
        "CREATE TABLE assess_score_sums (plan_uuid TEXT NOT NULL, period TEXT NOT NULL, subject_uuid TEXT NOT NULL, "
        "kind TEXT NOT NULL, total REAL NOT NULL DEFAULT 0, n INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (plan_uuid, period, subject_uuid, kind)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX idx_assess_scores_item ON assess_scores(item_uuid, deleted)")
    upsert_new = (
        "INSERT INTO assess_score_sums (plan_uuid, period, subject_uuid, kind, total, n) "
        f"SELECT NEW.plan_uuid, NEW.period, NEW.subject_uuid, {_KIND_OF_NEW}, NEW.points, 1 WHERE NEW.deleted = 0 "
        "ON CONFLICT (plan_uuid, period, subject_uuid, kind) DO UPDATE SET total = total + excluded.total, n = n + 1;"
    )
    subtract_old = (
        "UPDATE assess_score_sums SET total = total - OLD.points, n = n - 1 WHERE OLD.deleted = 0 "
        f"AND plan_uuid = OLD.plan_uuid AND period = OLD.period AND subject_uuid = OLD.subject_uuid "
        f"AND kind = {_KIND_OF_OLD};"
    )
    db.execute(f"CREATE TRIGGER trg_assess_scores_ai AFTER INSERT ON assess_scores BEGIN {upsert_new} END")
    db.execute("CREATE TRIGGER trg_assess_scores_au AFTER UPDATE OF points, deleted, item_uuid, period, subject_uuid, "
               f"plan_uuid ON assess_scores BEGIN {subtract_old} {upsert_new} END")
    db.execute(f"CREATE TRIGGER trg_assess_scores_ad AFTER DELETE ON assess_scores BEGIN {subtract_old} END")
    rebuild = (
        "DELETE FROM assess_score_sums WHERE subject_uuid IN "
        "(SELECT subject_uuid FROM assess_scores WHERE item_uuid = NEW.uuid); "
        "INSERT INTO assess_score_sums (plan_uuid, period, subject_uuid, kind, total, n) "
        "SELECT s.plan_uuid, s.period, s.subject_uuid, CASE WHEN i.source = 'ballot' THEN 'ballot' ELSE i.kind END, "
        "SUM(s.points), COUNT(*) FROM assess_scores s JOIN assess_items i ON i.uuid = s.item_uuid "
        "WHERE s.deleted = 0 AND i.deleted = 0 AND s.subject_uuid IN "
        "(SELECT subject_uuid FROM assess_scores WHERE item_uuid = NEW.uuid) GROUP BY 1, 2, 3, 4;"
    )
    # An item that changes kind (or is deleted) moves its scores between sums.
    db.execute("CREATE TRIGGER trg_assess_items_kind AFTER UPDATE OF kind, source, deleted ON assess_items "
               f"WHEN OLD.kind IS NOT NEW.kind OR OLD.source IS NOT NEW.source OR OLD.deleted IS NOT NEW.deleted "
               f"BEGIN {rebuild} END")
    db.execute(
        "INSERT INTO assess_score_sums (plan_uuid, period, subject_uuid, kind, total, n) "
        "SELECT s.plan_uuid, s.period, s.subject_uuid, CASE WHEN i.source = 'ballot' THEN 'ballot' ELSE i.kind END, "
        "SUM(s.points), COUNT(*) FROM assess_scores s JOIN assess_items i ON i.uuid = s.item_uuid "
        "WHERE s.deleted = 0 AND i.deleted = 0 GROUP BY 1, 2, 3, 4"
    )


@migrations()
def m003_results_clustered(db: Database):
    """The results cache clustered on its key (WITHOUT ROWID) with one
    secondary index: recomputing a county rewrites ~20 000 rows, and every
    extra b-tree made that slower."""
    db.execute("ALTER TABLE assess_results RENAME TO assess_results_old")
    db.execute("DROP INDEX IF EXISTS idx_assess_results_rank")
    db.execute("DROP INDEX IF EXISTS idx_assess_results_total")
    db.execute(
        "CREATE TABLE assess_results (plan_uuid TEXT NOT NULL, period TEXT NOT NULL, "
        "subject_uuid TEXT NOT NULL, category_uuid TEXT NOT NULL, township_code TEXT NOT NULL, "
        "item_total REAL NOT NULL, ballot_points REAL, bonus REAL NOT NULL DEFAULT 0, "
        "deduction REAL NOT NULL DEFAULT 0, total REAL NOT NULL, rank INTEGER, grade TEXT NOT NULL, "
        "vetoed INTEGER NOT NULL DEFAULT 0, veto_items TEXT, quota_cut INTEGER NOT NULL DEFAULT 0, "
        "last_place INTEGER NOT NULL DEFAULT 0, computed_at TEXT NOT NULL, "
        "PRIMARY KEY (plan_uuid, period, subject_uuid)) WITHOUT ROWID"
    )
    db.execute("INSERT INTO assess_results SELECT * FROM assess_results_old")
    db.execute("DROP TABLE assess_results_old")
    db.execute("CREATE INDEX idx_assess_results_rank ON assess_results(plan_uuid, period, category_uuid, rank)")


@migrations()
def m004_year_composition(db: Database):
    """Issue 16: the year total is composed item by item. Each item says how
    its half-year / year value is formed (`year_rule`: '' = by kind, 'avg' /
    'sum' of the quarters, 'period' = scored at the period end) and what it is
    worth when it has no data (`default_points`); ties at the 优秀 cut are
    decided by the committee (`assess_tiebreaks`); grades of years before the
    program (`assess_past_grades`) let 三年优秀 be tracked; a plan records the
    township's prize in the county's target assessment (`township_prize`)."""
    db.execute("ALTER TABLE assess_items ADD COLUMN year_rule TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE assess_items ADD COLUMN default_points REAL")
    db.execute("ALTER TABLE assess_plans ADD COLUMN township_prize TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE assess_results ADD COLUMN missing TEXT")
    db.execute("ALTER TABLE assess_results ADD COLUMN note TEXT")
    # covering index: the composition reads every score once, grouped per person and item
    db.execute("CREATE INDEX idx_assess_scores_compose ON assess_scores(plan_uuid, subject_uuid, item_uuid, period, "
               "points, source) WHERE deleted = 0")
    create_travel_table(
        db, "assess_tiebreaks",
        "plan_uuid TEXT NOT NULL REFERENCES assess_plans(uuid), period TEXT NOT NULL, scope_key TEXT NOT NULL, "
        "tied TEXT NOT NULL, chosen TEXT NOT NULL, reason TEXT NOT NULL, decided_on TEXT NOT NULL",
    )
    db.execute("CREATE INDEX idx_assess_tiebreaks_plan ON assess_tiebreaks(plan_uuid, period, deleted)")
    create_travel_table(
        db, "assess_past_grades",
        "person_uuid TEXT, person_name TEXT NOT NULL, year INTEGER NOT NULL, grade TEXT NOT NULL, note TEXT",
    )
    db.execute("CREATE INDEX idx_assess_past_grades_person ON assess_past_grades(person_uuid, year, deleted)")


# ---- m005: the composition kept by triggers --------------------------------------------------
# Written out here (not imported) because a migration must not change when the
# results code does later.

_PERIODS = ("Q1", "Q2", "Q3", "Q4", "H1", "H2", "Y")
_DERIVED = {"H1": ("Q1", "Q2"), "H2": ("Q3", "Q4"), "Y": ("Q1", "Q2", "Q3", "Q4")}
_APPEAL = "申诉复核"
_COMPOSED_COLUMNS = ("normal", "max_with", "n_with", "def_with", "n_nodef", "bonus", "deduction", "ignored", "n_any")


def _value_expr(period: str) -> str:
    """One item's value in a period from its row of cells (NULL = no data):
    a quarter its entry; a half-year or the year by the item's rule."""
    if period not in _DERIVED:
        return f"v_{period}"
    qs = _DERIVED[period]
    count = " + ".join(f"(v_{q} IS NOT NULL)" for q in qs)
    total = " + ".join(f"COALESCE(v_{q}, 0)" for q in qs)
    rule = "(CASE WHEN rule <> '' THEN rule WHEN kind = 'normal' THEN 'avg' ELSE 'sum' END)"
    return (f"(CASE WHEN a_{period} IS NOT NULL THEN a_{period} "
            f"WHEN {rule} = 'period' THEN v_{period} "
            f"WHEN kind = 'normal' THEN (CASE WHEN ({count}) = 0 THEN NULL "
            f"WHEN {rule} = 'sum' THEN MIN({total}, max_points) ELSE ({total}) * 1.0 / ({count}) END) "
            f"WHEN ({count}) = 0 AND v_{period} IS NULL THEN NULL "
            f"WHEN {rule} = 'avg' THEN (CASE WHEN ({count}) = 0 THEN 0 ELSE ({total}) * 1.0 / ({count}) END) "
            f"+ COALESCE(v_{period}, 0) "
            f"ELSE ({total}) + COALESCE(v_{period}, 0) END)")


def _ignored_expr(period: str) -> str:
    if period not in _DERIVED:
        return "0"
    return (f"(kind = 'normal' AND v_{period} IS NOT NULL AND a_{period} IS NULL "
            f"AND (CASE WHEN rule <> '' THEN rule ELSE 'avg' END) <> 'period')")


def _contributions(row: str, period: str) -> list[str]:
    """What one cells row adds to the composed sums of a period, in _COMPOSED_COLUMNS order."""
    x = f"{row}.x_{period}"
    normal = f"{row}.live AND {row}.kind = 'normal'"
    return [f"COALESCE(CASE WHEN {normal} THEN {x} END, 0)",
            f"(CASE WHEN {normal} AND {x} IS NOT NULL THEN {row}.max_points ELSE 0 END)",
            f"({normal} AND {x} IS NOT NULL)",
            f"(CASE WHEN {normal} AND {x} IS NOT NULL THEN COALESCE({row}.default_points, 0) ELSE 0 END)",
            f"({normal} AND {x} IS NOT NULL AND {row}.default_points IS NULL)",
            f"(CASE WHEN {row}.live AND {row}.kind = 'bonus' THEN COALESCE({x}, 0) ELSE 0 END)",
            f"(CASE WHEN {row}.live AND {row}.kind = 'deduction' THEN COALESCE({x}, 0) ELSE 0 END)",
            f"({row}.live AND {row}.w_{period})",
            f"({row}.live AND {row}.kind IN ('normal', 'bonus', 'deduction') AND {x} IS NOT NULL)"]


@migrations()
def m005_composition_kept(db: Database):
    """Issue 16, speed: per person and item the entry of each period
    (`assess_item_cells`, with the item's kind and rule copied in and the
    composed period values as stored generated columns), and per person and
    period the sums the results need (`assess_composed`), both kept by
    triggers in the same transaction as the scores. A county's recompute then
    reads ~30 000 sums instead of grouping ~1 000 000 scores."""
    generated = ", ".join(f"x_{p} REAL GENERATED ALWAYS AS ({_value_expr(p)}) STORED, "
                          f"w_{p} INTEGER GENERATED ALWAYS AS ({_ignored_expr(p)}) STORED" for p in _PERIODS)
    db.execute(
        "CREATE TABLE assess_item_cells (subject_uuid TEXT NOT NULL, item_uuid TEXT NOT NULL, plan_uuid TEXT NOT NULL, "
        "kind TEXT NOT NULL, rule TEXT NOT NULL, max_points REAL NOT NULL, default_points REAL, "
        "live INTEGER NOT NULL, "
        + ", ".join(f"v_{p} REAL" for p in _PERIODS) + ", "
        + ", ".join(f"a_{p} REAL" for p in _DERIVED) + ", "
        + generated + ", PRIMARY KEY (subject_uuid, item_uuid)) WITHOUT ROWID")
    db.execute("CREATE INDEX idx_assess_item_cells_item ON assess_item_cells(item_uuid)")
    db.execute("DROP INDEX IF EXISTS idx_assess_scores_compose")  # m004's covering index: the cells replace it
    db.execute(
        "CREATE TABLE assess_composed (plan_uuid TEXT NOT NULL, subject_uuid TEXT NOT NULL, period TEXT NOT NULL, "
        + ", ".join(f"{c} REAL NOT NULL DEFAULT 0" for c in _COMPOSED_COLUMNS)
        + ", PRIMARY KEY (plan_uuid, subject_uuid, period)) WITHOUT ROWID")
    # backfill from the live scores
    cells = ", ".join(
        (f"MAX(CASE WHEN s.period = '{p}' AND s.source <> '{_APPEAL}' THEN s.points END)" if p in _DERIVED
         else f"MAX(CASE WHEN s.period = '{p}' THEN s.points END)") for p in _PERIODS)
    appeals = ", ".join(f"MAX(CASE WHEN s.period = '{p}' AND s.source = '{_APPEAL}' THEN s.points END)"
                        for p in _DERIVED)
    db.execute(
        "INSERT INTO assess_item_cells (subject_uuid, item_uuid, plan_uuid, kind, rule, max_points, default_points, "
        "live, " + ", ".join(f"v_{p}" for p in _PERIODS) + ", " + ", ".join(f"a_{p}" for p in _DERIVED) + ") "
        "SELECT s.subject_uuid, s.item_uuid, s.plan_uuid, i.kind, i.year_rule, i.max_points, i.default_points, "
        f"(i.deleted = 0 AND i.source <> 'ballot'), {cells}, {appeals} FROM assess_scores s "
        "JOIN assess_items i ON i.uuid = s.item_uuid WHERE s.deleted = 0 GROUP BY s.subject_uuid, s.item_uuid")
    for p in _PERIODS:
        sums = ", ".join(f"SUM({e})" for e in _contributions("c", p))
        db.execute(f"INSERT INTO assess_composed (plan_uuid, subject_uuid, period, {', '.join(_COMPOSED_COLUMNS)}) "
                   f"SELECT c.plan_uuid, c.subject_uuid, '{p}', {sums} FROM assess_item_cells c "
                   "GROUP BY c.plan_uuid, c.subject_uuid")

    # scores → cells: set (or clear) the one column of the score's period
    def set_cell(row: str, value: str) -> str:
        assignments = []
        for p in _PERIODS:
            if p in _DERIVED:
                assignments.append(f"v_{p} = CASE WHEN {row}.period = '{p}' AND {row}.source <> '{_APPEAL}' "
                                   f"THEN {value} ELSE v_{p} END")
                assignments.append(f"a_{p} = CASE WHEN {row}.period = '{p}' AND {row}.source = '{_APPEAL}' "
                                   f"THEN {value} ELSE a_{p} END")
            else:
                assignments.append(f"v_{p} = CASE WHEN {row}.period = '{p}' THEN {value} ELSE v_{p} END")
        return (f"UPDATE assess_item_cells SET {', '.join(assignments)} "
                f"WHERE subject_uuid = {row}.subject_uuid AND item_uuid = {row}.item_uuid;")

    ensure = ("INSERT INTO assess_item_cells (subject_uuid, item_uuid, plan_uuid, kind, rule, max_points, default_points, "
              "live) SELECT NEW.subject_uuid, NEW.item_uuid, NEW.plan_uuid, i.kind, i.year_rule, i.max_points, "
              "i.default_points, (i.deleted = 0 AND i.source <> 'ballot') FROM assess_items i WHERE i.uuid = NEW.item_uuid "
              "ON CONFLICT (subject_uuid, item_uuid) DO NOTHING;")
    db.execute(f"CREATE TRIGGER trg_assess_cells_ai AFTER INSERT ON assess_scores WHEN NEW.deleted = 0 BEGIN "
               f"{ensure} {set_cell('NEW', 'NEW.points')} END")
    db.execute("CREATE TRIGGER trg_assess_cells_au AFTER UPDATE OF points, deleted, period, source, item_uuid, "
               f"subject_uuid ON assess_scores BEGIN "
               f"{set_cell('OLD', 'NULL').replace('WHERE', 'WHERE OLD.deleted = 0 AND', 1)} "
               f"{ensure.replace('FROM assess_items i WHERE', 'FROM assess_items i WHERE NEW.deleted = 0 AND')} "
               f"{set_cell('NEW', 'NEW.points').replace('WHERE', 'WHERE NEW.deleted = 0 AND', 1)} END")
    db.execute(f"CREATE TRIGGER trg_assess_cells_ad AFTER DELETE ON assess_scores WHEN OLD.deleted = 0 BEGIN "
               f"{set_cell('OLD', 'NULL')} END")
    # items → cells: a changed kind, rule, full marks, default or deletion moves the item's contributions
    db.execute("CREATE TRIGGER trg_assess_cells_item AFTER UPDATE OF kind, year_rule, max_points, default_points, "
               "deleted, source ON assess_items BEGIN UPDATE assess_item_cells SET kind = NEW.kind, rule = NEW.year_rule, "
               "max_points = NEW.max_points, default_points = NEW.default_points, "
               "live = (NEW.deleted = 0 AND NEW.source <> 'ballot') WHERE item_uuid = NEW.uuid; END")
    # cells → composed: per period, add the new contribution and take the old one away
    for p in _PERIODS:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in
                              (f"x_{p}", f"w_{p}", "kind", "live", "max_points", "default_points"))
        deltas = ", ".join(f"{col} = {col} + ({new}) - ({old})" for col, new, old in
                           zip(_COMPOSED_COLUMNS, _contributions("NEW", p), _contributions("OLD", p), strict=True))
        db.execute(
            f"CREATE TRIGGER trg_assess_composed_{p} AFTER UPDATE ON assess_item_cells WHEN {changed} BEGIN "
            f"INSERT INTO assess_composed (plan_uuid, subject_uuid, period) VALUES (NEW.plan_uuid, NEW.subject_uuid, "
            f"'{p}') ON CONFLICT DO NOTHING; "
            f"UPDATE assess_composed SET {deltas} WHERE plan_uuid = NEW.plan_uuid AND subject_uuid = NEW.subject_uuid "
            f"AND period = '{p}'; END")


@migrations()
def m006_missing_rule_per_plan(db: Database):
    """Issue 16, point 3: what an item without data is worth is a property of
    each plan (`missing_rule`: rescale / default / manual / zero), no longer
    one setting for every plan. Existing plans take the value the office had
    set (assess.missing_rule, which stays as the default of new plans); the
    column default is that setting's default, for rows merged from a package
    made before this migration."""
    db.execute("ALTER TABLE assess_plans ADD COLUMN missing_rule TEXT NOT NULL DEFAULT 'rescale'")
    row = db.execute("SELECT value FROM settings WHERE key = 'assess.missing_rule'").fetchone()
    if row is not None:
        # copied as stored: an invalid value is refused by name at the next recompute, not guessed here
        db.execute("UPDATE assess_plans SET missing_rule = ?", [str(json.loads(row[0]))])
