"""换届: the term-change event, eligibility, 两推 tallies, candidate lists,
ballot rounds, results, and the new term's appointments.

The counting rules are pure functions at the top (no database), tested with
hand-computed tallies; the actions below them validate, then write through
models.core.records in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.core import records

from models.core import settings
from models.core.errors import ValidationError
from models.core.personal import check_text, parse_date
from models.core.users import require
from models.roster.rules import Eligibility, eligibility_rules

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

# ---- settings ----------------------------------------------------------------

settings.register("election.margin_committee", 30, "换届：党委委员差额比例（%）", int)
settings.register("election.margin_secretary", 50, "换届：书记差额比例（%）", int)
settings.register("election.margin_deputy", 25, "换届：副书记差额比例（%）", int)
settings.register("election.margin_other", 0, "换届：其他职位差额比例（%）", int)
# The majority rule (election.majority_of_present), the age limits and the woman
# rule are part of the county's rule set, registered in models.roster.rules.

RACE_KINDS = {"committee": "党委委员", "secretary": "书记", "deputy": "副书记", "other": "其他"}
# The secretary and the deputies are chosen from the newly elected committee [002].
FROM_COMMITTEE = ("secretary", "deputy")
MARGIN_KEYS = {"committee": "election.margin_committee", "secretary": "election.margin_secretary",
               "deputy": "election.margin_deputy", "other": "election.margin_other"}
UNIT_KINDS = ("村", "企业", "站所", "机关", "其他")
NOT_NOMINATED = "现任班子成员未自荐报名，作弃权处理"  # [002]
SEXES = ("男", "女")
WRITE = "election.write"


# ---- pure counting rules -------------------------------------------------------

def required_candidates(seats: int, margin_pct: int) -> int:
    """Least number of candidates for `seats` under a margin of margin_pct %,
    rounded up: 9 seats +30% → 12, 1 seat +50% → 2, 3 seats +25% → 4."""
    if seats <= 0:
        return 0
    return seats + (seats * margin_pct + 99) // 100


def check_margin(race_name: str, seats: int, candidates: int, margin_pct: int) -> None:
    """Raise ValidationError when a candidate list is short of the contested margin."""
    need = required_candidates(seats, margin_pct)
    if candidates < need:
        raise ValidationError(
            f"{race_name}候选人",
            f"应选 {seats} 名、差额 {margin_pct}%，候选人至少 {need} 名，现只有 {candidates} 名。")


def _int(value, label: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValidationError(label, "必须是整数。") from None
    if n < 0:
        raise ValidationError(label, "不能为负数。")
    return n


def validate_tally(voters: int, invalid: int, votes: dict, seats: int, names: dict | None = None,
                   voters_label: str = "收回选票") -> int:
    """Check one tally sheet; return the number of valid ballots.

    voters: ballots returned (or people present); invalid: invalid ballots;
    votes: {key: votes}; seats: how many names one ballot may mark.
    """
    names = names or {}
    voters = _int(voters, voters_label)
    invalid = _int(invalid, "无效票")
    if invalid > voters:
        raise ValidationError("无效票", f"无效票 {invalid} 张多于{voters_label} {voters} 张。")
    valid = voters - invalid
    total = 0
    for key, n in votes.items():
        label = f"“{names.get(key, key)}”的得票"
        n = _int(n, label)
        if n > valid:
            raise ValidationError(label, f"{n} 票多于有效票 {valid} 张（每人至多一票）。")
        total += n
    if total > valid * seats:
        raise ValidationError(
            "得票合计",
            f"合计 {total} 票，超过有效票 {valid} 张 × 应选 {seats} 名 = {valid * seats}：有选票所划人数多于应选名额。")
    return valid


def is_majority(votes: int, base: int) -> bool:
    """More than half of `base` (those entitled to attend, or those present)."""
    return votes * 2 > base


@dataclass
class RoundResult:
    """What one ballot round decided."""

    seats: int
    elected: list = field(default_factory=list)  # keys, in order of votes
    tied: list = field(default_factory=list)  # keys tied for the last seat(s), none elected
    below_majority: list = field(default_factory=list)
    open_seats: int = 0
    woman_seat_open: bool = False  # no woman elected yet and a seat is still open: it is kept for a woman
    woman_rule_unmet: bool = False  # every seat went to men elected with a majority (nobody is unseated)


def _fill(seats: int, ranked: list, votes: dict) -> tuple[list, list]:
    """Fill seats in order of votes; a group tied at the cut that does not fit
    wholly is not elected (a run-off decides)."""
    elected: list = []
    tied: list = []
    i = 0
    while i < len(ranked) and len(elected) < seats:
        group = [k for k in ranked[i:] if votes[k] == votes[ranked[i]]]
        if len(elected) + len(group) <= seats:
            elected += group
        else:
            tied = group
            break
        i += len(group)
    return elected, tied


def count_round(seats: int, base: int, votes: dict, women: set | None = None,
                reserve_woman: bool = False) -> RoundResult:
    """Decide one round: more than half of `base` (those entitled to attend by
    default), in order of votes, until the seats are filled. The woman rule
    never unseats a candidate elected with a majority: with reserve_woman and
    no woman elected, a seat left open is kept for a woman (the run-off for
    the last open seat is among women); when men with a majority fill every
    seat, the rule is reported unmet."""
    women = women or set()
    ranked = sorted(votes, key=lambda k: -votes[k])  # stable: ties keep the candidate order
    majority = [k for k in ranked if is_majority(votes[k], base)]
    result = RoundResult(seats=seats)
    result.below_majority = [k for k in ranked if k not in majority]
    elected, tied = _fill(seats, majority, votes)
    result.elected = sorted(elected, key=lambda k: -votes[k])
    result.tied = tied
    result.open_seats = seats - len(elected)
    if reserve_woman and seats > 0 and not any(k in women for k in elected):
        result.woman_seat_open = result.open_seats > 0
        result.woman_rule_unmet = result.open_seats == 0
    return result


def runoff_candidates(result: RoundResult, votes: dict, margin_pct: int, women: set | None = None) -> list:
    """Who stands in the run-off for the open seats: the not-elected in order of
    the last round's votes, as many as the margin asks (at least one more than
    the seats), keeping tied candidates together. Women only when the open
    seat is the reserved woman's seat."""
    if result.open_seats <= 0:
        return []
    women = women or set()
    pool = [k for k in sorted(votes, key=lambda k: -votes[k]) if k not in result.elected]
    if result.woman_seat_open and result.open_seats == 1:
        pool = [k for k in pool if k in women]
    need = max(required_candidates(result.open_seats, margin_pct), result.open_seats + 1)
    chosen = pool[:need]
    # keep a tie at the cut together
    while len(chosen) < len(pool) and chosen and votes[pool[len(chosen)]] == votes[chosen[-1]]:
        chosen.append(pool[len(chosen)])
    return chosen


def rank(totals: dict) -> list[tuple]:
    """[(key, total, rank)] by total descending; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals.items(), key=lambda kv: -kv[1])  # stable: ties keep the given order
    out, prev, prev_rank = [], None, 0
    for i, (key, total) in enumerate(ordered, start=1):
        r = prev_rank if total == prev else i
        out.append((key, total, r))
        prev, prev_rank = total, r
    return out


_DIGITS = "零一二三四五六七八九"


def term_label(n: int) -> str:
    """8 → 第八届, 16 → 第十六届, 20 → 第二十届 (as the roster writes terms)."""
    tens, ones = divmod(int(n), 10)
    text = (("" if tens == 1 else _DIGITS[tens]) + "十" if tens else "") + (_DIGITS[ones] if ones or not tens else "")
    return f"第{text}届"


def term_number_of(label) -> int | None:
    """Inverse of term_label; also accepts plain digits. None when unreadable."""
    text = str(label or "").strip().removeprefix("第").removesuffix("届")
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS + "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)
    return _DIGITS.index(text) if len(text) == 1 else None


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def eligibility(sex: str, birth: dt.date, incumbent: bool, on: dt.date, limits: dict) -> tuple[bool, str]:
    """(eligible, reason) of one nominee under the age limits
    {'incumbent': {'男': 57, '女': 52}, 'new': {'男': 55, '女': 50}} (None = no limit)."""
    age = age_on(birth, on)
    kind = "incumbent" if incumbent else "new"
    limit = limits[kind].get(sex)
    label = "留任" if incumbent else "新进"
    if limit is not None and age > limit:
        return False, f"{age} 岁，超过{label}人选年龄上限 {limit} 岁（{sex}）"
    return True, f"{age} 岁，{label}人选（" + (f"上限 {limit} 岁）" if limit is not None else "不限年龄）")


# ---- reading -----------------------------------------------------------------

def _table_exists(db: Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]).fetchone() is not None


def age_limits(db: Database) -> dict:
    """The nominee age limits: the roster's eligibility configuration."""
    return eligibility_rules(db).age_limits


def majority_of_present(db: Database) -> bool:
    """True only where a county rule counts the majority on those present."""
    return bool(settings.get(db, "election.majority_of_present"))


def margin_of(db: Database, kind: str) -> int:
    """The contested margin (%) of a race kind, from settings."""
    return int(settings.get(db, MARGIN_KEYS.get(kind, "election.margin_other")))


def events(db: Database, township_code: str | None = None) -> list[dict]:
    """Term-change events, newest first."""
    sql = "SELECT * FROM election_events WHERE deleted = 0"
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY event_date DESC, id DESC", params)


def get_event(db: Database, event_uuid: str) -> dict:
    """One event, or ValidationError."""
    ev = records.get(db, "election_events", event_uuid)
    if ev is None:
        raise ValidationError("换届", "找不到这次换届。")
    return ev


def races(db: Database, event_uuid: str) -> list[dict]:
    """The races of an event with their margin, in order."""
    out = records.rows(db, "SELECT * FROM election_races WHERE event_uuid = ? AND deleted = 0 "
                           "ORDER BY sort_order, id", [event_uuid])
    for r in out:
        r["margin"] = margin_of(db, r["kind"])
        r["kind_label"] = RACE_KINDS.get(r["kind"], r["kind"])
    return out


def get_race(db: Database, race_uuid: str) -> dict:
    """One race, or ValidationError."""
    r = records.get(db, "election_races", race_uuid)
    if r is None:
        raise ValidationError("职位", "找不到这个选举职位。")
    r["margin"] = margin_of(db, r["kind"])
    r["kind_label"] = RACE_KINDS.get(r["kind"], r["kind"])
    return r


def post_by_role(db: Database, role: str) -> str | None:
    """The uuid of the roster's first post with this machine role (committee,
    party_secretary, deputy_secretary …), or None."""
    if not _table_exists(db, "posts"):
        return None
    row = db.execute("SELECT uuid FROM posts WHERE role = ? AND deleted = 0 ORDER BY sort_order, id LIMIT 1",
                     [role]).fetchone()
    return row[0] if row else None


def _roster_cadre(db: Database, cadre_uuid: str) -> dict | None:
    if not cadre_uuid or not _table_exists(db, "cadres"):
        return None
    return records.get(db, "cadres", cadre_uuid)


def _holds_current_post(db: Database, cadre_uuid: str, on: dt.date) -> bool | None:
    """Whether the roster shows a current appointment on `on`; None without a roster."""
    if not cadre_uuid or not _table_exists(db, "appointments"):
        return None
    # A seat of the leadership team held on the day (start_date may be missing).
    row = db.execute(
        "SELECT 1 FROM appointments a JOIN posts p ON p.uuid = a.post_uuid "
        "WHERE a.cadre_uuid = ? AND a.deleted = 0 AND p.is_team = 1 "
        "AND (a.start_date IS NULL OR a.start_date = '' OR a.start_date <= ?) "
        "AND (a.end_date IS NULL OR a.end_date = '' OR a.end_date >= ?) LIMIT 1",
        [cadre_uuid, on.isoformat(), on.isoformat()]).fetchone()
    return row is not None


def nominees(db: Database, event_uuid: str) -> list[dict]:
    """Self-nominees with their eligibility on the event date (age limits by sex;
    incumbency from the roster's current appointments when the nominee is a
    roster cadre)."""
    ev = get_event(db, event_uuid)
    on = dt.date.fromisoformat(ev["event_date"])
    limits = age_limits(db)
    out = records.rows(db, "SELECT * FROM election_nominees WHERE event_uuid = ? AND deleted = 0 "
                           "ORDER BY id", [event_uuid])
    for n in out:
        held = _holds_current_post(db, n["cadre_uuid"], on)
        incumbent = bool(n["is_incumbent"]) if held is None else held
        n["incumbent"] = incumbent
        ok, reason = eligibility(n["sex"], dt.date.fromisoformat(n["birth_date"]), incumbent, on, limits)
        if n["withdrawn"]:
            ok, reason = False, "已放弃" + (f"（{n['note']}）" if n["note"] == NOT_NOMINATED else "")
        n["eligible"], n["eligibility_reason"] = ok, reason
        n["age"] = age_on(dt.date.fromisoformat(n["birth_date"]), on)
    return out


def woman_rule(db: Database, event_uuid: str) -> dict:
    """Whether the at-least-one-woman rule holds among the eligible nominees."""
    rules: Eligibility = eligibility_rules(db)
    women = [n for n in nominees(db, event_uuid) if n["eligible"] and n["sex"] == "女"]
    return {"required": rules.require_woman, "eligible_women": len(women),
            "seat_held_open": rules.require_woman and rules.keep_seat_for_woman and not women}


def rec_units(db: Database, event_uuid: str) -> list[dict]:
    """两推 units with participation figures."""
    out = records.rows(db, "SELECT * FROM election_rec_units WHERE event_uuid = ? AND deleted = 0 "
                           "ORDER BY name", [event_uuid])
    for u in out:
        eligible = u["eligible_members"] + u["eligible_reps"]
        present = u["present_members"] + u["present_reps"]
        u["eligible"], u["present"] = eligible, present
        u["participation"] = present / eligible if eligible else 0.0
        u["valid"] = present - u["invalid_ballots"]
    return out


def rec_votes(db: Database, unit_uuid: str) -> dict:
    """{nominee_uuid: votes} of one unit's tally sheet."""
    return {k: v for k, v in db.execute(
        "SELECT nominee_uuid, votes FROM election_rec_votes WHERE unit_uuid = ? AND deleted = 0", [unit_uuid])}


def recommendation(db: Database, event_uuid: str) -> dict:
    """Totals of the 两推 across units: participation, and the ranking of nominees."""
    units = rec_units(db, event_uuid)
    noms = {n["uuid"]: n for n in nominees(db, event_uuid)}
    totals = {k: 0 for k, n in noms.items() if n["eligible"] or n["shortlisted"]}
    for uuid, votes in db.execute(
            "SELECT v.nominee_uuid, SUM(v.votes) FROM election_rec_votes v "
            "JOIN election_rec_units u ON u.uuid = v.unit_uuid "
            "WHERE u.event_uuid = ? AND u.deleted = 0 AND v.deleted = 0 GROUP BY v.nominee_uuid", [event_uuid]):
        if uuid in noms:
            totals[uuid] = votes or 0
    eligible = sum(u["eligible"] for u in units)
    present = sum(u["present"] for u in units)
    ranking = []
    for key, total, r in rank(totals):
        n = noms[key]
        ranking.append({"nominee_uuid": key, "name": n["name"], "sex": n["sex"], "votes": total, "rank": r,
                        "share": total / present if present else 0.0, "shortlisted": bool(n["shortlisted"]),
                        "eligible": n["eligible"]})
    return {"units": units, "eligible": eligible, "present": present,
            "participation": present / eligible if eligible else 0.0, "ranking": ranking}


def candidates(db: Database, race_uuid: str) -> list[dict]:
    """The candidate list of a race (nominee name and sex)."""
    return records.rows(
        db, "SELECT c.uuid, c.nominee_uuid, c.sort_order, n.name, n.sex, n.cadre_uuid "
            "FROM election_candidates c JOIN election_nominees n ON n.uuid = c.nominee_uuid "
            "WHERE c.race_uuid = ? AND c.deleted = 0 ORDER BY c.sort_order, c.id", [race_uuid])


def seats_to_fill(db: Database, race: dict, cands: list[dict] | None = None) -> tuple[int, bool]:
    """(seats to fill, one seat held open for want of a woman candidate)."""
    if cands is None:
        cands = candidates(db, race["uuid"])
    rules = eligibility_rules(db)
    if race["woman_seat"] and rules.require_woman and rules.keep_seat_for_woman and cands \
            and not any(c["sex"] == "女" for c in cands):
        return max(race["seats"] - 1, 0), True
    return race["seats"], False


def rounds(db: Database, race_uuid: str) -> list[dict]:
    """Ballot rounds of a race with their votes ({nominee_uuid: votes})."""
    out = records.rows(db, "SELECT * FROM election_rounds WHERE race_uuid = ? AND deleted = 0 "
                           "ORDER BY round_no", [race_uuid])
    for r in out:
        r["votes"] = {k: v for k, v in db.execute(
            "SELECT nominee_uuid, votes FROM election_round_votes WHERE round_uuid = ? AND deleted = 0 ORDER BY id",
            [r["uuid"]])}
        r["valid"] = r["ballots_returned"] - r["ballots_invalid"]
        r["attendance"] = r["present"] / r["expected"] if r["expected"] else None
    return out


def race_result(db: Database, race_uuid: str) -> dict:
    """Replay the rounds of a race: who is elected, seats still open, and who
    stands in the next run-off."""
    race = get_race(db, race_uuid)
    cands = candidates(db, race_uuid)
    names = {c["nominee_uuid"]: c["name"] for c in cands}
    women = {c["nominee_uuid"] for c in cands if c["sex"] == "女"}
    seats, held_open = seats_to_fill(db, race, cands)
    elected: list = []
    steps: list = []
    open_seats = seats
    next_pool = [c["nominee_uuid"] for c in cands]
    woman_needed = bool(race["woman_seat"]) and eligibility_rules(db).require_woman and bool(women)
    by_present = majority_of_present(db)
    woman_unmet = False
    for rnd in rounds(db, race_uuid):
        if open_seats <= 0:
            break
        reserve = woman_needed and not any(k in women for k in elected)
        if not by_present and not rnd["expected"]:
            raise ValidationError(f"{race['name']}第 {rnd['round_no']} 轮", "没有录入应到人数：当选按超过应到人数半数计算，"
                                                                      "请撤销这一轮后连同应到人数重新录入。")
        base = rnd["present"] if by_present else rnd["expected"]
        res = count_round(open_seats, base, rnd["votes"], women, reserve)
        woman_unmet = res.woman_rule_unmet
        elected += res.elected
        open_seats = res.open_seats
        next_pool = runoff_candidates(res, rnd["votes"], race["margin"], women)
        steps.append({"round_no": rnd["round_no"], "present": rnd["present"], "expected": rnd["expected"],
                      "attendance": rnd["attendance"], "valid": rnd["valid"], "invalid": rnd["ballots_invalid"],
                      "majority_base": base, "majority_of": "实到" if by_present else "应到",
                      "need": base // 2 + 1, "result": res, "votes": rnd["votes"]})
    return {"race": race, "seats": seats, "held_open_for_woman": held_open, "elected": elected,
            "woman_rule_unmet": woman_unmet,
            "elected_names": [names.get(k, k) for k in elected], "open_seats": open_seats,
            "runoff_pool": next_pool if open_seats > 0 else [], "steps": steps, "names": names,
            "next_round_no": len(steps) + 1}


def committee_elected(db: Database, event_uuid: str) -> set | None:
    """Nominees elected to the new committee so far; None when the event has no committee race."""
    committee = [r for r in races(db, event_uuid) if r["kind"] == "committee"]
    if not committee:
        return None
    out: set = set()
    for r in committee:
        out |= set(race_result(db, r["uuid"])["elected"])
    return out


def elected_elsewhere(db: Database, race: dict) -> dict:
    """{nominee: race name} of those already elected to another leadership race
    of the event that may not be held together with `race` (the committee is
    no leadership post; a race marked may_combine may be held with any)."""
    out: dict[str, str] = {}
    if race["kind"] == "committee" or race.get("may_combine"):
        return out
    for r in races(db, race["event_uuid"]):
        if r["uuid"] == race["uuid"] or r["kind"] == "committee" or r.get("may_combine"):
            continue
        for key in race_result(db, r["uuid"])["elected"]:
            out[key] = r["name"]
    return out


def check_linked(db: Database, race: dict, keys, names: dict) -> None:
    """Refuse a candidate of a linked race: the secretary and deputy races take
    only members elected to the new committee, and nobody already elected to a
    leadership post that may not be held together with this one."""
    keys = list(keys)
    if not keys:
        return
    if race["kind"] in FROM_COMMITTEE:
        members = committee_elected(db, race["event_uuid"])
        if members is not None:
            if not members:
                raise ValidationError(f"{race['name']}候选人", "党委委员尚未选出：书记、副书记须从新当选的党委委员中产生。")
            for key in keys:
                if key not in members:
                    raise ValidationError(f"{race['name']}候选人", f"“{names.get(key, key)}”未当选新一届党委委员，"
                                                                  f"不能作为{race['name']}候选人。")
    taken = elected_elsewhere(db, race)
    for key in keys:
        if key in taken:
            raise ValidationError(f"{race['name']}候选人", f"“{names.get(key, key)}”已当选{taken[key]}，"
                                                          f"两职不能兼任，不能再作为{race['name']}候选人。")


# ---- actions -----------------------------------------------------------------

def _event_date(value) -> dt.date:
    d = parse_date(value, "换届日期")
    if d is None:
        raise ValidationError("换届日期", "不能为空。")
    return d


def create_event(db: Database, actor: Actor, *, term_number, event_date, title: str = "", rec_seats=0,
                 races_spec: list[dict] | None = None, note: str = "") -> str:
    """Create a term-change event with its races (seats from the county's quota).

    races_spec: [{'name', 'kind', 'seats', 'organ_uuid'?, 'post_uuid'?, 'woman_seat'?}].
    """
    require(actor, WRITE)
    term = _int(term_number, "届次")
    if term < 1 or term > 99:
        raise ValidationError("届次", "应在 1 到 99 之间。")
    day = _event_date(event_date)
    title = check_text(title, "名称", 60) or f"{term_label(term)}领导班子换届"
    rec_seats = _int(rec_seats or 0, "两推推荐名额")
    note = check_text(note, "备注", 500, multiline=True)
    specs = [_race_values(s, i) for i, s in enumerate(races_spec or [])]
    if not rec_seats:
        rec_seats = sum(s["seats"] for s in specs if s["kind"] == "committee") or sum(s["seats"] for s in specs)
    with db.atomic():
        if db.execute("SELECT 1 FROM election_events WHERE term_number = ? AND deleted = 0 AND township_code = ?",
                      [term, records.local_township_code(db)]).fetchone():
            raise ValidationError("届次", f"第 {term} 届的换届已存在。")
        key = records.insert(db, "election_events", {"term_number": term, "title": title,
                                                      "event_date": day.isoformat(), "rec_seats": rec_seats,
                                                      "status": "筹备", "note": note}, actor)
        for s in specs:
            records.insert(db, "election_races", {**s, "event_uuid": key}, actor)
    return key


def _race_values(spec: dict, order: int) -> dict:
    name = check_text(spec.get("name"), "职位名称", 30, required=True)
    kind = spec.get("kind") or "other"
    if kind not in RACE_KINDS:
        raise ValidationError("职位类别", f"“{kind}”不是已知类别（{'、'.join(RACE_KINDS.values())}）。")
    seats = _int(spec.get("seats"), f"{name}应选名额")
    if seats < 1 or seats > 50:
        raise ValidationError(f"{name}应选名额", "应在 1 到 50 之间。")
    return {"name": name, "kind": kind, "seats": seats, "organ_uuid": spec.get("organ_uuid") or None,
            "post_uuid": spec.get("post_uuid") or None, "woman_seat": int(bool(spec.get("woman_seat"))),
            "may_combine": int(bool(spec.get("may_combine"))), "sort_order": int(spec.get("sort_order", order))}


def add_race(db: Database, actor: Actor, event_uuid: str, spec: dict) -> str:
    """Add one race (职位与应选名额) to an event."""
    require(actor, WRITE)
    get_event(db, event_uuid)
    order = db.execute("SELECT COUNT(*) FROM election_races WHERE event_uuid = ?", [event_uuid]).fetchone()[0]
    values = _race_values(spec, order)
    with db.atomic():
        return records.insert(db, "election_races", {**values, "event_uuid": event_uuid}, actor)


def update_race(db: Database, actor: Actor, race_uuid: str, spec: dict) -> None:
    """Change a race's name, seats, linked post or woman's seat."""
    require(actor, WRITE)
    race = get_race(db, race_uuid)
    values = _race_values({**race, **spec}, race["sort_order"])
    with db.atomic():
        records.update(db, "election_races", race_uuid, values, actor)


def _full_date(value: str | None) -> str | None:
    """The roster may keep only the birth month ('1975-03'): count from the 1st."""
    if value and len(value) == 7:
        return value + "-01"
    return value


def _current_titles(db: Database, cadre_uuid: str) -> str:
    if not _table_exists(db, "posts"):
        return ""
    return "、".join(t for (t,) in db.execute(
        "SELECT p.title FROM appointments a JOIN posts p ON p.uuid = a.post_uuid "
        "WHERE a.cadre_uuid = ? AND a.deleted = 0 AND a.end_date IS NULL ORDER BY p.sort_order", [cadre_uuid]))


def add_nominee(db: Database, actor: Actor, event_uuid: str, *, name: str = "", sex: str = "", birth_date=None,
                cadre_uuid: str | None = None, is_incumbent: bool = False, current_post: str = "",
                education: str = "", political_status: str = "", intended: str = "", note: str = "") -> str:
    """Record a self-nomination (自荐报名). A roster cadre's name, sex and birth
    date are taken from the roster when not given."""
    require(actor, WRITE)
    if get_event(db, event_uuid)["nominations_closed_at"]:
        raise ValidationError("自荐报名", "报名已截止，不能再报名。")
    cadre = _roster_cadre(db, cadre_uuid) if cadre_uuid else None
    if cadre_uuid and cadre is None and _table_exists(db, "cadres"):
        raise ValidationError("干部", "名册中找不到这名干部。")
    if cadre and cadre_uuid:
        name = name or cadre.get("name", "")
        sex = sex or cadre.get("sex", "")
        birth_date = birth_date or _full_date(cadre.get("birth_date"))
        education = education or cadre.get("edu_fulltime") or ""
        political_status = political_status or cadre.get("political_status") or ""
        current_post = current_post or cadre.get("current_post_text") or _current_titles(db, cadre_uuid)
    name = check_text(name, "姓名", 20, required=True)
    if sex not in SEXES:
        raise ValidationError("性别", "应为“男”或“女”。")
    birth = parse_date(birth_date, "出生日期", allow_future=False)
    if birth is None:
        raise ValidationError("出生日期", "不能为空。")
    values = {"event_uuid": event_uuid, "cadre_uuid": cadre_uuid or None, "name": name, "sex": sex,
              "birth_date": birth.isoformat(), "is_incumbent": int(bool(is_incumbent)),
              "current_post": check_text(current_post, "现任职务", 60),
              "education": check_text(education, "学历", 20),
              "political_status": check_text(political_status, "政治面貌", 20),
              "intended": check_text(intended, "报名职位", 30), "note": check_text(note, "备注", 200)}
    with db.atomic():
        if cadre_uuid and db.execute("SELECT 1 FROM election_nominees WHERE event_uuid = ? AND cadre_uuid = ? "
                                     "AND deleted = 0", [event_uuid, cadre_uuid]).fetchone():
            raise ValidationError("干部", f"“{name}”已报名。")
        return records.insert(db, "election_nominees", values, actor)


def incumbents_not_nominated(db: Database, event_uuid: str) -> list[dict]:
    """Roster cadres holding a seat of the leadership team on the event date
    who have not self-nominated (uuid, name, sex, birth_date)."""
    ev = get_event(db, event_uuid)
    if not _table_exists(db, "appointments"):
        return []
    day = ev["event_date"]
    return records.rows(
        db, "SELECT DISTINCT c.uuid, c.name, c.sex, c.birth_date, c.id FROM cadres c "
            "JOIN appointments a ON a.cadre_uuid = c.uuid JOIN posts p ON p.uuid = a.post_uuid "
            "WHERE c.deleted = 0 AND c.status = '在职' AND a.deleted = 0 AND p.is_team = 1 AND c.township_code = ? "
            "AND (a.start_date IS NULL OR a.start_date = '' OR a.start_date <= ?) "
            "AND (a.end_date IS NULL OR a.end_date = '' OR a.end_date >= ?) "
            "AND c.uuid NOT IN (SELECT cadre_uuid FROM election_nominees WHERE event_uuid = ? AND deleted = 0 "
            "AND cadre_uuid IS NOT NULL) ORDER BY c.id", [ev["township_code"], day, day, event_uuid])


def close_nominations(db: Database, actor: Actor, event_uuid: str) -> int:
    """End self-nomination (自荐报名截止): every incumbent team member who did
    not self-nominate is recorded as a withdrawn nominee [002]. Returns how
    many were recorded. Refuses an incumbent whose sex or birth date the
    roster lacks (the record must say who withdrew)."""
    require(actor, WRITE)
    ev = get_event(db, event_uuid)
    if ev["nominations_closed_at"]:
        raise ValidationError("自荐报名", f"已于 {ev['nominations_closed_at']} 截止。")
    missing = incumbents_not_nominated(db, event_uuid)
    for c in missing:
        if c["sex"] not in SEXES or not c["birth_date"]:
            raise ValidationError("干部", f"现任班子成员“{c['name']}”在名册中缺少性别或出生日期，请先补全。")
    with db.atomic():
        for c in missing:
            records.insert(db, "election_nominees", {
                "event_uuid": event_uuid, "cadre_uuid": c["uuid"], "name": c["name"], "sex": c["sex"],
                "birth_date": _full_date(c["birth_date"]), "is_incumbent": 1,
                "current_post": _current_titles(db, c["uuid"]), "withdrawn": 1, "note": NOT_NOMINATED}, actor)
        records.update(db, "election_events", event_uuid, {"nominations_closed_at": records.now_iso()}, actor)
    return len(missing)


def delete_nominee(db: Database, actor: Actor, nominee_uuid: str) -> None:
    """Remove a mis-entered nominee; refused once they have votes or stand as a
    candidate (mark them withdrawn instead, so the record stays)."""
    require(actor, WRITE)
    n = records.get(db, "election_nominees", nominee_uuid)
    if n is None:
        raise ValidationError("报名人", "找不到这名报名人。")
    used = db.execute(
        "SELECT (SELECT COUNT(*) FROM election_rec_votes WHERE nominee_uuid = ? AND deleted = 0 AND votes > 0) + "
        "(SELECT COUNT(*) FROM election_candidates WHERE nominee_uuid = ? AND deleted = 0)",
        [nominee_uuid, nominee_uuid]).fetchone()[0]
    if used:
        raise ValidationError("报名人", f"“{n['name']}”已有推荐票或已列为候选人，不能删除；可标记为放弃。")
    with db.atomic():
        for (vote_uuid,) in db.execute("SELECT uuid FROM election_rec_votes WHERE nominee_uuid = ? AND deleted = 0",
                                       [nominee_uuid]).fetchall():
            records.delete(db, "election_rec_votes", vote_uuid, actor)
        records.delete(db, "election_nominees", nominee_uuid, actor)


def update_event(db: Database, actor: Actor, event_uuid: str, *, event_date=None, title=None, rec_seats=None, note=None) -> None:
    """Change an event's date, title, 两推 seats or note (the term number stays)."""
    require(actor, WRITE)
    ev = get_event(db, event_uuid)
    if ev["appointments_done_at"]:
        raise ValidationError("换届", "新一届任职已生成，不能再修改。")
    changes: dict[str, object] = {}
    if event_date is not None:
        changes["event_date"] = _event_date(event_date).isoformat()
    if title is not None:
        changes["title"] = check_text(title, "名称", 60, required=True)
    if rec_seats is not None:
        seats = _int(rec_seats, "两推推荐名额")
        if seats < 1:
            raise ValidationError("两推推荐名额", "至少为 1。")
        changes["rec_seats"] = seats
    if note is not None:
        changes["note"] = check_text(note, "备注", 500, multiline=True)
    with db.atomic():
        records.update(db, "election_events", event_uuid, changes, actor)


def set_nominee_flags(db: Database, actor: Actor, nominee_uuid: str, *, shortlisted: bool | None = None,
                      withdrawn: bool | None = None) -> None:
    """Mark a nominee as on the county's shortlist, or as withdrawn."""
    require(actor, WRITE)
    changes = {}
    if shortlisted is not None:
        changes["shortlisted"] = int(bool(shortlisted))
    if withdrawn is not None:
        changes["withdrawn"] = int(bool(withdrawn))
    with db.atomic():
        records.update(db, "election_nominees", nominee_uuid, changes, actor)


def set_shortlist(db: Database, actor: Actor, event_uuid: str, nominee_uuids: list[str]) -> None:
    """Record the county's shortlist (区委确定的人选) in one step."""
    require(actor, WRITE)
    wanted = set(nominee_uuids)
    noms = {n["uuid"]: n for n in nominees(db, event_uuid)}
    for key in wanted:
        if key not in noms:
            raise ValidationError("人选", "名单中有不属于这次换届的报名人。")
        if not noms[key]["eligible"]:
            raise ValidationError("人选", f"“{noms[key]['name']}”不符合资格条件（{noms[key]['eligibility_reason']}）。")
    with db.atomic():
        for key, n in noms.items():
            flag = int(key in wanted)
            if n["shortlisted"] != flag:
                records.update(db, "election_nominees", key, {"shortlisted": flag}, actor)


def save_rec_unit(db: Database, actor: Actor, event_uuid: str, *, name: str, kind: str = "村", eligible_members=0,
                  eligible_reps=0, present_members=0, present_reps=0, invalid_ballots=0, held_on=None,
                  votes: dict | None = None, unit_uuid: str | None = None) -> str:
    """Save one unit's 两推 tally sheet (participants and votes per nominee) in
    one transaction. Refuses votes above the valid ballots and more names marked
    than the recommendation seats."""
    require(actor, WRITE)
    ev = get_event(db, event_uuid)
    name = check_text(name, "推荐单位", 40, required=True)
    if kind not in UNIT_KINDS:
        raise ValidationError("单位类别", f"应为{'、'.join(UNIT_KINDS)}之一。")
    em, er = _int(eligible_members, "应到党员"), _int(eligible_reps, "应到群众代表")
    pm, pr = _int(present_members, "实到党员"), _int(present_reps, "实到群众代表")
    if pm > em:
        raise ValidationError("实到党员", f"{pm} 人多于应到 {em} 人。")
    if pr > er:
        raise ValidationError("实到群众代表", f"{pr} 人多于应到 {er} 人。")
    votes = {k: v for k, v in (votes or {}).items()}
    noms = {n["uuid"]: n["name"] for n in nominees(db, event_uuid)}
    for key in votes:
        if key not in noms:
            raise ValidationError("得票", "有不属于这次换届的报名人。")
    seats = ev["rec_seats"] or 1
    validate_tally(pm + pr, invalid_ballots, votes, seats, noms, voters_label="实到人数")
    held = parse_date(held_on, "推荐日期")
    values = {"event_uuid": event_uuid, "name": name, "kind": kind, "eligible_members": em, "eligible_reps": er,
              "present_members": pm, "present_reps": pr, "invalid_ballots": int(invalid_ballots),
              "held_on": held.isoformat() if held else None}
    with db.atomic():
        clash = db.execute("SELECT uuid FROM election_rec_units WHERE event_uuid = ? AND name = ? AND deleted = 0",
                           [event_uuid, name]).fetchone()
        if clash and clash[0] != unit_uuid:
            raise ValidationError("推荐单位", f"“{name}”的推荐票已录入。")
        if unit_uuid:
            records.update(db, "election_rec_units", unit_uuid, values, actor)
        else:
            unit_uuid = records.insert(db, "election_rec_units", values, actor)
        _replace_votes(db, actor, "election_rec_votes", "unit_uuid", unit_uuid, votes)
    return unit_uuid


REC_IMPORT_FIXED = ("单位", "类别", "应到党员", "实到党员", "应到群众代表", "实到群众代表", "无效票")


def import_rec_units(db: Database, actor: Actor, event_uuid: str, rows: list[dict]) -> int:
    """Import 两推 tally sheets, one dict per unit: the REC_IMPORT_FIXED columns
    plus one column per nominee name holding their votes. All or nothing: the
    first bad row (numbered from 2, as in the spreadsheet) stops the import and
    nothing is saved. A unit already entered is replaced. Returns the count."""
    require(actor, WRITE)
    by_name: dict[str, list] = {}
    for n in nominees(db, event_uuid):
        by_name.setdefault(n["name"], []).append(n["uuid"])
    existing = {u["name"]: u["uuid"] for u in rec_units(db, event_uuid)}
    with db.atomic():
        for line, row in enumerate(rows, start=2):
            try:
                votes = {}
                for col, value in row.items():
                    if col in REC_IMPORT_FIXED or col is None or str(value or "").strip() == "":
                        continue
                    keys = by_name.get(str(col).strip())
                    if not keys:
                        raise ValidationError(str(col), "报名人中没有这个姓名。")
                    if len(keys) > 1:
                        raise ValidationError(str(col), "报名人中有同名的人，请在窗口中逐个录入。")
                    votes[keys[0]] = _int(str(value).strip(), f"“{col}”的得票")
                name = str(row.get("单位") or "").strip()
                save_rec_unit(db, actor, event_uuid, name=name, kind=str(row.get("类别") or "村").strip(),
                              eligible_members=row.get("应到党员") or 0, present_members=row.get("实到党员") or 0,
                              eligible_reps=row.get("应到群众代表") or 0, present_reps=row.get("实到群众代表") or 0,
                              invalid_ballots=row.get("无效票") or 0, votes=votes, unit_uuid=existing.get(name))
            except ValidationError as e:
                raise ValidationError(e.field, e.bare_message, row=line) from None
    return len(rows)


def _replace_votes(db: Database, actor: Actor, table: str, parent_col: str, parent: str, votes: dict) -> None:
    existing = {k: (u, v) for u, k, v in db.execute(
        f"SELECT uuid, nominee_uuid, votes FROM [{table}] WHERE [{parent_col}] = ? AND deleted = 0", [parent])}
    for key, n in votes.items():
        n = int(n)
        if key in existing:
            if existing[key][1] != n:
                records.update(db, table, existing[key][0], {"votes": n}, actor)
        else:
            records.insert(db, table, {parent_col: parent, "nominee_uuid": key, "votes": n}, actor)
    for key, (row_uuid, _) in existing.items():
        if key not in votes:
            records.delete(db, table, row_uuid, actor)


def delete_rec_unit(db: Database, actor: Actor, unit_uuid: str) -> None:
    """Remove a unit's tally sheet (tombstones its votes too)."""
    require(actor, WRITE)
    with db.atomic():
        _replace_votes(db, actor, "election_rec_votes", "unit_uuid", unit_uuid, {})
        records.delete(db, "election_rec_units", unit_uuid, actor)


def set_candidates(db: Database, actor: Actor, race_uuid: str, nominee_uuids: list[str]) -> None:
    """Set a race's candidate list, checked against the contested margin
    (on the seats to fill: one seat is held open when no woman stands)."""
    require(actor, WRITE)
    race = get_race(db, race_uuid)
    if rounds(db, race_uuid):
        raise ValidationError(f"{race['name']}候选人", "已录入选票，不能再改候选人名单。")
    noms = {n["uuid"]: n for n in nominees(db, race["event_uuid"])}
    seen = []
    for key in nominee_uuids:
        if key not in noms:
            raise ValidationError(f"{race['name']}候选人", "名单中有不属于这次换届的报名人。")
        if not noms[key]["eligible"]:
            raise ValidationError(f"{race['name']}候选人",
                                  f"“{noms[key]['name']}”不符合资格条件（{noms[key]['eligibility_reason']}）。")
        if key in seen:
            raise ValidationError(f"{race['name']}候选人", f"“{noms[key]['name']}”重复。")
        seen.append(key)
    check_linked(db, race, seen, {k: n["name"] for k, n in noms.items()})
    cands = [{"sex": noms[k]["sex"]} for k in seen]
    seats, _ = seats_to_fill(db, race, cands)
    check_margin(race["name"], seats, len(seen), race["margin"])
    with db.atomic():
        for c in candidates(db, race_uuid):
            records.delete(db, "election_candidates", c["uuid"], actor)
        for i, key in enumerate(seen):
            records.insert(db, "election_candidates", {"race_uuid": race_uuid, "nominee_uuid": key,
                                                       "sort_order": i}, actor)


def record_round(db: Database, actor: Actor, race_uuid: str, *, present, ballots_returned, ballots_invalid=0, expected=0,
                 votes: dict, held_on=None) -> str:
    """Record the next ballot round of a race (round 1, then run-offs) in one
    transaction. Refuses votes above the valid ballots, more names marked than
    the seats being filled, and votes for someone not standing in this round."""
    require(actor, WRITE)
    state = race_result(db, race_uuid)
    race = state["race"]
    if not state["steps"]:
        pool = [c["nominee_uuid"] for c in candidates(db, race_uuid)]
        if not pool:
            raise ValidationError(f"{race['name']}候选人", "还没有候选人名单。")
        seats = state["seats"]
    else:
        if state["open_seats"] <= 0:
            raise ValidationError(race["name"], "名额已选满，不需要再投票。")
        pool, seats = state["runoff_pool"], state["open_seats"]
    names = state["names"]
    expected, present = _int(expected or 0, "应到人数"), _int(present, "实到人数")
    if not expected and not majority_of_present(db):
        raise ValidationError("应到人数", "必须填写：当选须获得超过应到会人数半数的选票。")
    returned = _int(ballots_returned, "收回选票")
    if expected and present > expected:
        raise ValidationError("实到人数", f"{present} 人多于应到 {expected} 人。")
    if returned > present:
        raise ValidationError("收回选票", f"{returned} 张多于实到人数 {present}。")
    votes = {k: v for k, v in votes.items()}
    for key in votes:
        if key not in pool:
            raise ValidationError("得票", f"“{names.get(key, key)}”不是本轮候选人。")
    check_linked(db, race, [k for k, n in votes.items() if int(n or 0) > 0], names)
    validate_tally(returned, ballots_invalid, votes, seats, names)
    held = parse_date(held_on, "选举日期")
    with db.atomic():
        key = records.insert(db, "election_rounds", {
            "race_uuid": race_uuid, "round_no": state["next_round_no"], "expected": expected, "present": present,
            "ballots_returned": returned, "ballots_invalid": int(ballots_invalid),
            "held_on": held.isoformat() if held else None}, actor)
        for nominee, n in votes.items():
            records.insert(db, "election_round_votes", {"round_uuid": key, "nominee_uuid": nominee,
                                                        "votes": int(n)}, actor)
    return key


def undo_last_round(db: Database, actor: Actor, race_uuid: str) -> None:
    """Remove the last round of a race (to correct a mis-entered tally)."""
    require(actor, WRITE)
    rs = rounds(db, race_uuid)
    if not rs:
        raise ValidationError("选票", "没有可撤销的轮次。")
    last = rs[-1]
    with db.atomic():
        _replace_votes(db, actor, "election_round_votes", "round_uuid", last["uuid"], {})
        records.delete(db, "election_rounds", last["uuid"], actor)


def results(db: Database, event_uuid: str) -> list[dict]:
    """race_result of every race of the event."""
    return [race_result(db, r["uuid"]) for r in races(db, event_uuid)]


def create_term_appointments(db: Database, actor: Actor, event_uuid: str, end_old: bool = True) -> dict:
    """Create the new term's appointments in one step: for every race linked to
    a roster post, end the post's current appointments the day before the event
    (history kept) and appoint the elected, method 选任, term = the event's term.
    Returns counts. Refuses when a race still has open seats without a woman
    seat reason, an elected person is not a roster cadre, or it was done before."""
    require(actor, WRITE)
    ev = get_event(db, event_uuid)
    if ev["appointments_done_at"]:
        raise ValidationError("新一届任职", f"已于 {ev['appointments_done_at']} 生成，不能重复生成。")
    if not _table_exists(db, "appointments"):
        raise ValidationError("新一届任职", "领导班子名册尚未启用，无法生成任职。")
    day = dt.date.fromisoformat(ev["event_date"])
    before = (day - dt.timedelta(days=1)).isoformat()
    plan = []
    for res in results(db, event_uuid):
        race = res["race"]
        if not race["post_uuid"]:
            continue
        if not res["steps"]:
            raise ValidationError(race["name"], "还没有选举结果。")
        if res["open_seats"] > 0:
            raise ValidationError(race["name"], f"还有 {res['open_seats']} 个名额未选出，请先另行选举。")
        if _table_exists(db, "posts") and records.get(db, "posts", race["post_uuid"]) is None:
            raise ValidationError(race["name"], "关联的职务在名册中不存在。")
        cadre_of = {n["uuid"]: n for n in records.rows(
            db, "SELECT uuid, cadre_uuid, name FROM election_nominees WHERE event_uuid = ?", [event_uuid])}
        for key in res["elected"]:
            n = cadre_of[key]
            if not n["cadre_uuid"]:
                raise ValidationError(race["name"], f"当选人“{n['name']}”不在干部名册中，请先在名册中登记并关联。")
        plan.append((race, [cadre_of[k]["cadre_uuid"] for k in res["elected"]]))
    if not plan:
        raise ValidationError("新一届任职", "没有关联名册职务的选举职位。")
    ended = created = 0
    with db.atomic():
        for race, cadre_uuids in plan:
            if end_old:
                for a in records.rows(db, "SELECT uuid FROM appointments WHERE post_uuid = ? AND deleted = 0 "
                                          "AND (end_date IS NULL OR end_date = '')", [race["post_uuid"]]):
                    records.update(db, "appointments", a["uuid"], {"end_date": before}, actor)
                    ended += 1
            for cadre_uuid in cadre_uuids:
                records.insert(db, "appointments", {"cadre_uuid": cadre_uuid, "post_uuid": race["post_uuid"],
                                                    "start_date": day.isoformat(), "end_date": None,
                                                    "term": term_label(ev["term_number"]), "method": "选任",
                                                    "note": f"{ev['title']}选举产生"}, actor)
                created += 1
        records.update(db, "election_events", event_uuid,
                       {"appointments_done_at": records.now_iso(), "status": "完成"}, actor)
    return {"ended": ended, "created": created}


# ---- 三公开: plain data for the notice engine ------------------------------------------

class ElectionForNotice(TypedDict):
    """Data of a 换届 notice: a table (columns, rows) with notes under it;
    `intro` opens the results notice (it states the majority rule; '' for the
    others, whose opening the renderer has)."""

    title: str
    township: str
    term_number: int
    event_date: str
    supervision_phone: str
    columns: list[str]
    rows: list[list[str | int]]
    notes: list[str]
    intro: str


def _notice_head(db: Database, ev: dict, what: str, columns: list[str]) -> ElectionForNotice:
    name = settings.get(db, "township_name") or ""
    return {"title": f"{name}{term_label(ev['term_number'])}领导班子换届{what}公示", "township": name,
            "term_number": ev["term_number"], "event_date": ev["event_date"],
            "supervision_phone": settings.get(db, "supervision_phone") or "",
            "columns": columns, "rows": [], "notes": [], "intro": ""}


def _birth_month(iso: str) -> str:
    return iso[:7].replace("-", ".")


def _short_reason(n: dict) -> str:
    if n["withdrawn"]:
        return "未自荐报名，作弃权处理" if n["note"] == NOT_NOMINATED else "已放弃"
    limits = "留任" if n["incumbent"] else "新进"
    return f"不符合（{n['age']}岁，超过{limits}人选年龄上限）"


def eligibility_for_notice(db: Database, event_uuid: str) -> ElectionForNotice:
    """The self-nomination list with eligibility, for the first 三公开 notice.
    No ID numbers or phones: name, sex, birth month, current post, result."""
    ev = get_event(db, event_uuid)
    data = _notice_head(db, ev, "报名人员资格审查结果",
                        ["序号", "姓名", "性别", "出生年月", "政治面貌", "学历", "现任职务", "报名职位", "资格审查"])
    data["rows"] = [[i, n["name"], n["sex"], _birth_month(n["birth_date"]), n["political_status"] or "",
                     n["education"] or "", n["current_post"] or "", n["intended"] or "",
                     "符合" if n["eligible"] else _short_reason(n)]
                    for i, n in enumerate(nominees(db, event_uuid), start=1)]
    rule = woman_rule(db, event_uuid)
    if rule["seat_held_open"]:
        data["notes"].append("符合条件的报名人中没有女干部，按规定保留 1 个职位。")
    return data


def recommendation_for_notice(db: Database, event_uuid: str) -> ElectionForNotice:
    """The 两推 results (participation and ranking), for the second notice."""
    ev = get_event(db, event_uuid)
    rec = recommendation(db, event_uuid)
    data = _notice_head(db, ev, "两票推选结果", ["名次", "姓名", "性别", "得票", "得票率", "确定为人选"])
    data["rows"] = [[r["rank"], r["name"], r["sex"], r["votes"], f"{r['share']:.1%}",
                     "是" if r["shortlisted"] else ""] for r in rec["ranking"]]
    data["notes"] = [f"应参加推荐 {rec['eligible']} 人，实参加 {rec['present']} 人，参荐率 {rec['participation']:.1%}。"]
    return data


def results_for_notice(db: Database, event_uuid: str) -> ElectionForNotice:
    """The election results per race, for the third notice."""
    ev = get_event(db, event_uuid)
    data = _notice_head(db, ev, "选举结果", ["职位", "应选", "轮次", "应到", "实到", "姓名", "得票", "结果"])
    rows: list[list[str | int]] = []
    notes: list[str] = []
    for res in results(db, event_uuid):
        race = res["race"]
        for step in res["steps"]:
            r = step["result"]
            for key, votes in sorted(step["votes"].items(), key=lambda kv: -kv[1]):
                outcome = "当选" if key in r.elected else ("票数相同，另行选举" if key in r.tied else "未当选")
                rows.append([race["name"], res["seats"], step["round_no"], step["expected"] or "", step["present"],
                             res["names"].get(key, key), votes, outcome])
        if res["held_open_for_woman"]:
            notes.append(f"{race['name']}：无女性候选人，保留 1 个职位。")
        if res["woman_rule_unmet"]:
            notes.append(f"{race['name']}：当选人中没有女干部（得票过半者均已当选，不因女干部职位而落选）。")
        if res["open_seats"]:
            notes.append(f"{race['name']}：尚有 {res['open_seats']} 个名额待另行选举。")
    data["rows"], data["notes"] = rows, notes
    base = "实到" if majority_of_present(db) else "应到会"
    data["intro"] = (f"根据换届工作有关规定，现将大会选举结果予以公示。当选须获得超过{base}人数半数的选票，"
                     "按得票多少依次当选。")
    return data


def check_findings(db: Database) -> list[tuple[str, str]]:
    """Rule checks for `main.py check`: open races and held-open seats."""
    if not _table_exists(db, "election_events"):
        return []
    out = []
    for ev in events(db):
        if ev["status"] == "完成":
            continue
        for res in results(db, ev["uuid"]):
            if res["steps"] and res["open_seats"]:
                out.append(("warning", f"{term_label(ev['term_number'])}换届 {res['race']['name']}：尚有 "
                                       f"{res['open_seats']} 个名额待另行选举。"))
    return out


# ---- for the notices (the kinds are in models/notices/registry.py) -------------------------

def event_for_notice(db: Database, period: str | None, township_code: str | None = None) -> str:
    """The uuid of the event named by `period` (a term: 17 or 第十七届), else of the latest."""
    evs = events(db, township_code)
    if not evs:
        raise ValidationError("换届", "还没有换届记录，无法生成换届公示。")
    if not period:
        return evs[0]["uuid"]
    wanted = term_number_of(period)
    if wanted is None:
        raise ValidationError("届次", f"“{period}”不是届次，可写 17 或 第十七届。")
    for ev in evs:
        if ev["term_number"] == wanted:
            return ev["uuid"]
    raise ValidationError("届次", f"没有{term_label(wanted)}的换届。")


# ---- the roster as the election's dialogs offer it ------------------------------------------

def post_title(db: Database, post_uuid: str | None) -> str:
    """The roster post a race fills, '' when none, '（已删除）' when it is gone."""
    if not post_uuid:
        return ""
    row = db.execute("SELECT title FROM posts WHERE uuid = ?", [post_uuid]).fetchone() \
        if _table_exists(db, "posts") else None
    return row[0] if row else "（已删除）"


def post_choices(db: Database) -> list[tuple[str, str]]:
    """(post uuid, '机构　职务') of every live roster post, in the roster's order."""
    if not _table_exists(db, "posts"):
        return []
    return [(uuid, f"{organ}　{title}") for uuid, title, organ in db.execute(
        "SELECT p.uuid, p.title, o.name FROM posts p JOIN organs o ON o.uuid = p.organ_uuid "
        "WHERE p.deleted = 0 ORDER BY o.sort_order, p.sort_order")]


def cadre_choices(db: Database) -> list[tuple[str, str]]:
    """(cadre uuid, '姓名　现任职务') of the serving cadres, by pinyin, for a nomination."""
    if not _table_exists(db, "cadres"):
        return []
    return [(uuid, f"{name}　{post}".strip()) for uuid, name, post in db.execute(
        "SELECT uuid, name, COALESCE(current_post_text, '') FROM cadres WHERE deleted = 0 "
        "AND status = '在职' ORDER BY name_pinyin")]
