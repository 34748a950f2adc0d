"""Each table's own form rules, applied to the rows a package brings (issue 20).

models/handoff/row_checks.py refuses what no field of any form takes (control
characters, absurd lengths, negative counts, impossible dates). Here each
table is held to the rules of the form that writes it, by calling that form's
validator: a ticket's ID number with a wrong check digit, a status outside
models/service/states.py, a ticket finished before it was received, a cadre
whose sex contradicts the ID number, a score above the item's full marks, a
tally with more votes than ballots.

Cost: a county's package holds tens of thousands of tickets, so the big
tables are narrowed by SQL first (`suspect`: a condition that holds for every
row the validator could refuse, and for few others); only those rows go to
the Python validator, which decides and words the refusal. The small tables
(cadres, villages, catalogue items, indicators, tallies) go through their
validator row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from models.assess import scorecard
from models.core import township
from models.core.errors import ValidationError
from models.core.personal import parse_date, validate_id_number, validate_phone
from models.election import term
from models.roster import team
from models.service import catalogue, states, tickets

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOBILE_GLOB = "1[3-9]" + "[0-9]" * 9
BOOKKEEPING = {"id", "uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq",
               "created_at", "created_by"}


@dataclass(frozen=True)
class TableRule:
    """`check(db, schema, row)` raises ValidationError for a row its form would
    refuse; it sees only the rows `p` of the package's table where the SQL
    condition `suspect` holds ("{schema}" in it names the package's schema).
    `joins` (LEFT JOINs after `p`) bring what `suspect` compares a row with;
    a row the joins match twice goes to `check` twice, which decides the same."""

    table: str
    needs: tuple[str, ...]
    suspect: str
    check: Callable[[object, str, dict], None]
    # Chinese field label (ValidationError.field) -> column, to name the column in the refusal
    columns: dict
    joins: str = ""


def _quoted(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def id_number_suspect(column: str) -> str:
    """SQL: a non-empty ID number that validate_id_number refuses (length, digits,
    birth date, ISO 7064 check character, born before 1900 or in the future)."""
    x = f"p.[{column}]"
    total = " + ".join(f"substr({x}, {i + 1}, 1) * {w}" for i, w in enumerate(ID_WEIGHTS))
    birth = f"(substr({x}, 7, 4) || '-' || substr({x}, 11, 2) || '-' || substr({x}, 13, 2))"
    return (f"(coalesce({x}, '') != '' AND (length({x}) != 18 OR substr({x}, 1, 17) GLOB '*[^0-9]*' "
            f"OR substr({x}, 18, 1) NOT GLOB '[0-9X]' "
            f"OR substr('10X98765432', (({total}) % 11) + 1, 1) != substr({x}, 18, 1) "
            f"OR date({birth}, '+0 days') IS NOT {birth} OR substr({x}, 7, 4) < '1900' "
            f"OR {birth} > date('now', 'localtime')))")


def phone_suspect(column: str, required: bool) -> str:
    """SQL: a phone that is not plainly a mobile (landlines go to validate_phone)."""
    x = f"p.[{column}]"
    empty = f"coalesce({x}, '') = ''"
    return f"({empty} OR {x} NOT GLOB '{MOBILE_GLOB}')" if required else f"(NOT {empty} AND {x} NOT GLOB '{MOBILE_GLOB}')"


def bad_date_suspect(column: str, required: bool = False) -> str:
    x = f"p.[{column}]"
    wrong = f"date(substr({x}, 1, 10), '+0 days') IS NOT substr({x}, 1, 10)"
    return f"({x} IS NULL OR {x} = '' OR {wrong})" if required else f"(coalesce({x}, '') != '' AND {wrong})"


def _date(row: dict, column: str, label: str, required: bool = False) -> dt.date | None:
    value = row.get(column)
    if value in (None, ""):
        if required:
            raise ValidationError(label, "不能为空。")
        return None
    return parse_date(str(value)[:10], label)


def _choice(value, allowed, label: str) -> None:
    if value not in allowed:
        raise ValidationError(label, f"“{value}”应为{'、'.join(str(a) for a in allowed)}之一。")


# ---- tickets (validate_ticket and the actions of models/service/tickets.py) ----------------------

def _check_ticket(_db, _schema, row: dict) -> None:
    for key in tickets.TEXT_FIELDS:
        if key in row:
            tickets.check_ticket_text(key, row[key])
    validate_phone(row.get("applicant_phone"), "联系电话", required=True)
    if row.get("applicant_id_number"):
        validate_id_number(row["applicant_id_number"], "身份证号")
    _choice(row.get("channel"), tickets.CHANNELS, "受理渠道")
    _choice(row.get("kind"), tickets.KINDS, "办件类型")
    _choice(row.get("status"), states.STATUSES, "状态")
    if row.get("rating") is not None:
        _choice(row["rating"], tuple(tickets.RATINGS), "满意度")
    days = row.get("promised_days")
    if days is not None and not (isinstance(days, int) and 0 <= days <= catalogue.MAX_TIME_LIMIT):
        raise ValidationError("承诺时限", f"“{days}”应在 0 到 {catalogue.MAX_TIME_LIMIT} 个工作日之间。")
    received = _date(row, "received_date", "受理日期", required=True)
    assert received is not None
    due = _date(row, "due_date", "承诺办结日期")
    if due and due < received:
        raise ValidationError("承诺办结日期", f"{due.isoformat()} 早于受理日期 {received.isoformat()}。")
    finished = _date(row, "finished_date", "办结日期")
    if finished and finished < received:
        raise ValidationError("办结日期", f"{finished.isoformat()} 早于受理日期 {received.isoformat()}，不能在受理前办结。")
    paused = _date(row, "pause_started", "补正日期")
    if paused and paused < received:
        raise ValidationError("补正日期", f"早于受理日期 {received.isoformat()}。")


def _ticket_suspect() -> str:
    parts = []
    for key, (_label, longest, required, _multiline) in tickets.TEXT_FIELDS.items():
        x = f"p.[{key}]"
        parts.append(f"length({x}) > {longest}")  # wider than the form (it trims first): the validator decides
        if required:
            parts.append(f"trim(coalesce({x}, '')) = ''")
    parts += [
        phone_suspect("applicant_phone", required=True),
        id_number_suspect("applicant_id_number"),
        f"p.channel IS NULL OR p.channel NOT IN ({_quoted(tickets.CHANNELS)})",
        f"p.kind IS NULL OR p.kind NOT IN ({_quoted(tickets.KINDS)})",
        f"p.status IS NULL OR p.status NOT IN ({_quoted(states.STATUSES)})",
        f"p.rating IS NOT NULL AND p.rating NOT IN ({', '.join(str(r) for r in tickets.RATINGS)})",
        f"typeof(p.promised_days) NOT IN ('integer', 'null') OR p.promised_days < 0 "
        f"OR p.promised_days > {catalogue.MAX_TIME_LIMIT}",
        bad_date_suspect("received_date", required=True),
        bad_date_suspect("due_date"), bad_date_suspect("finished_date"), bad_date_suspect("pause_started"),
        "substr(p.due_date, 1, 10) < substr(p.received_date, 1, 10)",
        "substr(p.finished_date, 1, 10) < substr(p.received_date, 1, 10)",
        "substr(p.pause_started, 1, 10) < substr(p.received_date, 1, 10)",
    ]
    return " OR ".join(f"({p})" for p in parts)


TICKET_COLUMNS = {label: key for key, (label, *_rest) in tickets.TEXT_FIELDS.items()} | {
    "联系电话": "applicant_phone", "身份证号": "applicant_id_number", "受理渠道": "channel", "办件类型": "kind",
    "状态": "status", "满意度": "rating", "承诺时限": "promised_days", "受理日期": "received_date",
    "承诺办结日期": "due_date", "办结日期": "finished_date", "补正日期": "pause_started"}


def _check_ticket_event(_db, _schema, row: dict) -> None:
    _choice(row.get("to_status"), states.STATUSES, "办理后状态")
    if row.get("from_status") is not None:
        _choice(row["from_status"], states.STATUSES, "办理前状态")


# ---- the roster and the township's own lists: their validators, row by row ------------------------

def _check_cadre(_db, _schema, row: dict) -> None:
    team.validate_cadre({k: v for k, v in row.items() if k not in BOOKKEEPING})


def _check_village(_db, _schema, row: dict) -> None:
    township._validate_village(row.get("name"), row.get("households"))


def _check_service_item(_db, _schema, row: dict) -> None:
    catalogue.validate_item({k: v for k, v in row.items() if k not in BOOKKEEPING})


# ---- assessment ------------------------------------------------------------------------------------

def _check_assess_item(_db, _schema, row: dict) -> None:
    name, kind, points, _standard, _source = scorecard._validate_item_fields(
        row.get("name"), row.get("kind"), row.get("max_points"), row.get("standard"), row.get("source"))
    scorecard._validate_composition(name, kind, points, row.get("year_rule") or "", row.get("default_points"))


def _item_of(db: Database, schema: str, item_uuid) -> dict | None:
    """The indicator a score belongs to: in the package, else already here."""
    for where in (schema, "main"):
        cur = db.execute(f"SELECT name, kind, max_points, source FROM {where}.assess_items WHERE uuid = ?", [item_uuid])
        found = cur.fetchone()
        if found:
            return dict(zip(("name", "kind", "max_points", "source"), found, strict=True))
    return None


def _check_assess_plan(_db, _schema, row: dict) -> None:
    scorecard.missing_rule_code(row.get("missing_rule"))  # issue 16: the plan's rule for items without data


def _check_score(db: Database, schema: str, row: dict) -> None:
    item = _item_of(db, schema, row.get("item_uuid"))
    if item is None or row.get("points") is None:
        return  # a missing indicator is reported by the reference check after the merge
    # A stored 民主测评 score was converted from the ballots (set_ballots), not typed: the rest of the form's rule holds.
    scorecard.check_cell(dict(item, source=""), float(row["points"]))


# The indicator of a score, in the package (`pi`) and already here (`mi`): joined, not one correlated
# look-up per use (eight per score, each a scan of the package's unindexed assess_items; issue 22).
_SCORE_JOINS = ("LEFT JOIN {schema}.assess_items pi ON pi.uuid = p.item_uuid "
                "LEFT JOIN main.assess_items mi ON mi.uuid = p.item_uuid")


def _score_suspect() -> str:
    parts = []
    for i in ("pi", "mi"):
        parts.append(f"({i}.kind = 'group' OR ({i}.kind = 'veto' AND p.points NOT IN (0, 1)) "
                     f"OR ({i}.kind != 'veto' AND (p.points < 0 OR p.points > {i}.max_points + {scorecard.EPS})))")
    return f"typeof(p.points) NOT IN ('integer', 'real', 'null') OR {' OR '.join(parts)}"


def _check_assess_ballot(_db, _schema, row: dict) -> None:
    scorecard._check_ballot(row.get("voters"), {k: row.get(k) for k in scorecard.BALLOT_FIELDS}, "测评票")


def _ballot_suspect() -> str:
    counts = list(scorecard.BALLOT_FIELDS)
    parts = ["typeof(p.voters) != 'integer' OR p.voters <= 0",
             " + ".join(f"coalesce(p.[{c}], 0)" for c in counts) + " > p.voters"]
    parts += [f"typeof(p.[{c}]) NOT IN ('integer', 'null') OR p.[{c}] < 0 OR p.[{c}] > p.voters" for c in counts]
    return " OR ".join(f"({p})" for p in parts)


# ---- elections: each round's tally as validate_tally checks it --------------------------------------

def _check_round(db: Database, schema: str, row: dict) -> None:
    seats = None
    for where in (schema, "main"):
        found = db.execute(f"SELECT seats FROM {where}.election_races WHERE uuid = ?", [row.get("race_uuid")]).fetchone()
        if found:
            seats = found[0]
            break
    votes = {}
    has_votes = db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE name = 'election_round_votes'").fetchone()
    if has_votes:
        votes = {nominee: n for nominee, n in db.execute(
            f"SELECT nominee_uuid, votes FROM {schema}.election_round_votes WHERE round_uuid = ? AND deleted = 0",
            [row.get("uuid")])}
    returned = row.get("ballots_returned")
    if returned is None:
        return  # a round announced, its ballots not counted yet
    term.validate_tally(returned, row.get("ballots_invalid") or 0, votes, seats or max(1, len(votes)))


RULES: dict[str, list[TableRule]] = {}


def _rule(table: str, needs: tuple[str, ...], suspect: str, check, columns: dict | None = None, joins: str = "") -> None:
    RULES.setdefault(table, []).append(TableRule(table, needs, suspect, check, columns or {}, joins))


_rule("tickets", ("applicant_phone", "applicant_id_number", "channel", "kind", "status", "received_date"),
      _ticket_suspect(), _check_ticket, TICKET_COLUMNS)
_rule("ticket_events", ("to_status",),
      f"p.to_status IS NULL OR p.to_status NOT IN ({_quoted(states.STATUSES)}) "
      f"OR (p.from_status IS NOT NULL AND p.from_status NOT IN ({_quoted(states.STATUSES)}))",
      _check_ticket_event, {"办理后状态": "to_status", "办理前状态": "from_status"})
_rule("cadres", ("name",), "1", _check_cadre,
      {"姓名": "name", "身份证号": "id_number", "性别": "sex", "出生日期": "birth_date", "电话": "phone",
       "办公电话": "office_phone", "公开联系电话": "public_phone", "状态": "status", "提名类别": "nomination"}
      | {label: key for key, (label, *_r) in team.CADRE_TEXT_FIELDS.items()}
      | {label: key for key, label in team.CADRE_DATE_FIELDS.items()})
_rule("villages", ("name", "households"), "1", _check_village, {"村名": "name", "户数": "households"})
_rule("service_items", tuple(catalogue.FIELDS), "1", _check_service_item,
      {label: key for key, (label, *_r) in catalogue.FIELDS.items()})
_rule("assess_items", ("name", "kind", "max_points", "standard", "source"), "1", _check_assess_item)
_rule("assess_plans", ("missing_rule",), f"p.missing_rule IS NULL OR p.missing_rule NOT IN ({_quoted(scorecard.MISSING_RULES)})",
      _check_assess_plan, {"指标无数据时": "missing_rule"})
_rule("assess_scores", ("item_uuid", "points"), _score_suspect(), _check_score, joins=_SCORE_JOINS)
_rule("assess_ballots", ("voters", *scorecard.BALLOT_FIELDS), _ballot_suspect(), _check_assess_ballot)
_rule("election_rounds", ("race_uuid", "ballots_returned", "ballots_invalid"), "1", _check_round)

