"""Demo data of the election domain (called by models/demo/township.py).

One term change, carried through: races linked to the roster's posts when the
roster has them, self-nominees (roster cadres, else invented people), 两推 tally
sheets for every village and two offices, the shortlist, candidate lists with
the margins, and ballot rounds simulated ballot by ballot (a run-off when seats
remain). The new term's appointments are left for the user to create.
"""

from __future__ import annotations

from models.election import term as el
from models.core import township

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
GIVEN_MALE = ["建国", "志强", "海峰", "文斌", "国华", "明亮", "晓东", "立新", "永刚", "伟"]
GIVEN_FEMALE = ["丽华", "秀英", "晓燕", "春梅", "玉兰", "慧", "静", "雪梅"]
EVENT_DATE = "2026-10-15"


def _roster_people(db: Database) -> list[dict]:
    if not el._table_exists(db, "cadres"):
        return []
    return [dict(zip(("uuid", "sex", "birth_date"), r)) for r in db.execute(
        "SELECT uuid, sex, birth_date FROM cadres WHERE deleted = 0 AND status = '在职' "
        "AND sex IN ('男', '女') AND birth_date IS NOT NULL AND birth_date != '' ORDER BY id")]


def _ballots(rng, valid: int, pool: list[str], weight: dict, marks: int) -> dict:
    """Simulate `valid` ballots, each marking up to `marks` names by weight."""
    votes = {k: 0 for k in pool}
    for _ in range(valid):
        chosen: set[str] = set()
        want = min(marks, len(pool)) if rng.random() < 0.8 else rng.randint(1, min(marks, len(pool)))
        while len(chosen) < want:
            total = sum(weight[k] for k in pool if k not in chosen)
            x = rng.random() * total
            for k in pool:
                if k in chosen:
                    continue
                x -= weight[k]
                if x <= 0:
                    chosen.add(k)
                    break
            else:
                chosen.add(next(k for k in pool if k not in chosen))
        for k in chosen:
            votes[k] += 1
    return votes


def _vote_race(db: Database, rng, actor: Actor, race: dict, weight: dict, delegates: int) -> None:
    """Ballot rounds until the race is filled (at most three)."""
    for _ in range(3):
        state = el.race_result(db, race["uuid"])
        if state["steps"] and state["open_seats"] <= 0:
            return
        pool = state["runoff_pool"] if state["steps"] else [c["nominee_uuid"] for c in el.candidates(db, race["uuid"])]
        seats = state["open_seats"] if state["steps"] else state["seats"]
        if not pool:
            return
        present = delegates - rng.randint(0, 4)
        invalid = rng.randint(0, 2)
        votes = _ballots(rng, present - invalid, pool, weight, seats)
        el.record_round(db, actor, race["uuid"], expected=delegates, present=present, ballots_returned=present,
                        ballots_invalid=invalid, votes=votes, held_on=EVENT_DATE)


def fill(db: Database, rng, actor: Actor, options) -> None:
    """Add this domain's demo rows. rng is a seeded random.Random."""
    if el.events(db):
        return
    term = 8
    if el._table_exists(db, "appointments"):
        terms = [n for (t,) in db.execute("SELECT DISTINCT term FROM appointments WHERE deleted = 0")
                 if (n := el.term_number_of(t))]
        term = max(terms) + 1 if terms else term
    races_spec = [
        {"name": "党委委员", "kind": "committee", "seats": 9, "woman_seat": True, "post_uuid": el.post_by_role(db, "committee")},
        {"name": "党委书记", "kind": "secretary", "seats": 1, "post_uuid": el.post_by_role(db, "party_secretary")},
        {"name": "党委副书记", "kind": "deputy", "seats": 3, "post_uuid": el.post_by_role(db, "deputy_secretary")},
    ]
    ev = el.create_event(db, actor, term_number=term, event_date=EVENT_DATE, title=f"{el.term_label(term)}领导班子换届",
                         rec_seats=9, races_spec=races_spec)
    people = _roster_people(db)
    if len(people) >= 16:
        for p in rng.sample(people, min(len(people), 18)):
            el.add_nominee(db, actor, ev, cadre_uuid=p["uuid"], intended="党委委员")
        # incumbents who did not self-nominate count as withdrawn [002]
        el.close_nominations(db, actor, ev)
    else:
        for i in range(18):
            female = i % 5 == 2
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            year = rng.randint(1968, 1994)
            el.add_nominee(db, actor, ev, name=name, sex="女" if female else "男",
                           birth_date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                           is_incumbent=i < 6, intended="党委委员", political_status="中共党员",
                           education=rng.choice(["本科", "大专", "研究生"]))
    noms = [n for n in el.nominees(db, ev) if n["eligible"]]
    weight = {n["uuid"]: rng.uniform(0.2, 1.0) for n in noms}
    units = [(v["name"], "村") for v in township.villages(db)] + [("镇机关", "机关"), ("镇直站所", "站所")]
    for name, kind in units:
        em, er = rng.randint(15, 45), rng.randint(6, 20)
        pm, pr = em - rng.randint(0, em // 6), er - rng.randint(0, er // 4)
        invalid = rng.randint(0, 2)
        votes = _ballots(rng, pm + pr - invalid, [n["uuid"] for n in noms], weight, 9)
        el.save_rec_unit(db, actor, ev, name=name, kind=kind, eligible_members=em, eligible_reps=er,
                         present_members=pm, present_reps=pr, invalid_ballots=invalid, votes=votes,
                         held_on="2026-09-20")
    ranking = [r for r in el.recommendation(db, ev)["ranking"] if r["eligible"]]
    sex = {n["uuid"]: n["sex"] for n in noms}
    top = [r["nominee_uuid"] for r in ranking[:12]]
    if not any(sex[k] == "女" for k in top):
        woman = next((r["nominee_uuid"] for r in ranking if sex[r["nominee_uuid"]] == "女"), None)
        if woman:
            top[-1] = woman
    el.set_shortlist(db, actor, ev, top)
    committee, secretary, deputy = el.races(db, ev)
    el.set_candidates(db, actor, committee["uuid"], top)
    delegates = 100
    _vote_race(db, rng, actor, committee, weight, delegates)
    # The secretary and the deputies come from the newly elected committee [002]:
    # two secretary candidates, then the losing one and three more for the deputies.
    members = [k for k in el.race_result(db, committee["uuid"])["elected"]]
    if len(members) < 6:
        return  # seats still open after three rounds: the user carries on in the window
    el.set_candidates(db, actor, secretary["uuid"], members[:2])
    _vote_race(db, rng, actor, secretary, {**weight, members[0]: 3.0}, delegates)
    chosen = el.race_result(db, secretary["uuid"])["elected"]
    if not chosen:
        return
    el.set_candidates(db, actor, deputy["uuid"], [k for k in members if k not in chosen][:4])
    _vote_race(db, rng, actor, deputy, weight, delegates)
