"""换届: counting rules with hand-computed tallies, and the actions end to end."""

import datetime as dt

import pytest

from models.election import term as el
from models.core import records
from models.core.errors import PermissionDenied, ValidationError


# ---- pure rules ---------------------------------------------------------------

@pytest.mark.parametrize("seats,pct,need", [(9, 30, 12), (1, 50, 2), (3, 25, 4), (7, 30, 10), (8, 30, 11),
                                             (5, 0, 5), (0, 30, 0)])
def test_required_candidates_matches_seed_002(seats, pct, need):
    # seed 002: 9 committee seats → 12 candidates, 书记 2, 副书记 4
    assert el.required_candidates(seats, pct) == need


def test_margin_below_rule_is_refused():
    with pytest.raises(ValidationError, match="至少 12 名"):
        el.check_margin("党委委员", 9, 11, 30)
    el.check_margin("党委委员", 9, 12, 30)


def test_tally_votes_above_valid_ballots():
    # 50 ballots, 5 invalid → 45 valid; 46 votes for one person is impossible
    assert el.validate_tally(50, 5, {"a": 45, "b": 30}, 2) == 45
    with pytest.raises(ValidationError, match="多于有效票 45"):
        el.validate_tally(50, 5, {"a": 46}, 2, {"a": "张三"})


def test_tally_more_names_marked_than_seats():
    # 10 valid ballots × 2 seats = at most 20 marks; 21 means a ballot marked 3 names
    el.validate_tally(10, 0, {"a": 10, "b": 6, "c": 4}, 2)
    with pytest.raises(ValidationError, match="所划人数多于应选名额"):
        el.validate_tally(10, 0, {"a": 10, "b": 6, "c": 5}, 2)


def test_tally_invalid_above_returned():
    with pytest.raises(ValidationError, match="无效票"):
        el.validate_tally(10, 11, {}, 1)


def test_elected_in_order_of_votes_until_seats_filled():
    r = el.count_round(3, 100, {"A": 80, "B": 70, "C": 60, "D": 51, "E": 30})
    assert r.elected == ["A", "B", "C"] and r.open_seats == 0 and not r.tied


def test_exactly_half_is_not_a_majority_and_seats_remain():
    r = el.count_round(3, 100, {"A": 70, "B": 50, "C": 40})
    assert r.elected == ["A"] and r.open_seats == 2
    assert r.below_majority == ["B", "C"]


def test_tie_at_the_cut_goes_to_runoff():
    votes = {"A": 80, "B": 60, "C": 60, "D": 20}
    r = el.count_round(2, 100, votes)
    assert r.elected == ["A"] and sorted(r.tied) == ["B", "C"] and r.open_seats == 1
    # 1 open seat +30% → 2 candidates: the tied pair
    assert el.runoff_candidates(r, votes, 30) == ["B", "C"]


def test_tie_that_fits_is_elected_together():
    r = el.count_round(3, 100, {"A": 80, "B": 60, "C": 60, "D": 55})
    assert r.elected == ["A", "B", "C"]


def test_runoff_keeps_tie_at_the_pool_cut_together():
    votes = {"A": 90, "B": 40, "C": 30, "D": 30, "E": 10}
    r = el.count_round(2, 100, votes)
    assert r.elected == ["A"]
    # 1 seat → at least 2 candidates: B then C and D tied
    assert el.runoff_candidates(r, votes, 30) == ["B", "C", "D"]


def test_woman_seat_never_unseats_a_man_elected_with_a_majority():
    # issue 18: C (80 of 100) was displaced by W; the reports keep a seat open only when one is left
    votes = {"A": 90, "B": 85, "C": 80, "W": 60, "X": 55}
    r = el.count_round(3, 100, votes, women={"W", "X"}, reserve_woman=True)
    assert r.elected == ["A", "B", "C"] and r.open_seats == 0
    assert r.woman_rule_unmet and not r.woman_seat_open


def test_open_seat_is_kept_for_a_woman_run_off():
    votes = {"A": 90, "B": 85, "C": 40, "W": 40, "X": 30}
    r = el.count_round(3, 100, votes, women={"W", "X"}, reserve_woman=True)
    assert r.elected == ["A", "B"] and r.open_seats == 1 and r.woman_seat_open
    assert el.runoff_candidates(r, votes, 30, women={"W", "X"}) == ["W", "X"]


def test_majority_counts_those_entitled_to_attend():
    # issue 18: 100 entitled, 90 present; 47 and 46 are more than half of 90 but not of 100
    votes = {"A": 70, "B": 60, "C": 51, "D": 47, "E": 46, "F": 20}
    r = el.count_round(5, 100, votes)
    assert r.elected == ["A", "B", "C"] and r.open_seats == 2


def test_woman_elected_on_her_own_needs_no_reservation():
    r = el.count_round(2, 100, {"W": 90, "A": 85, "B": 80}, women={"W"}, reserve_woman=True)
    assert r.elected == ["W", "A"]


@pytest.mark.parametrize("n,label", [(8, "第八届"), (10, "第十届"), (16, "第十六届"), (20, "第二十届"),
                                     (99, "第九十九届")])
def test_term_labels_round_trip(n, label):
    assert el.term_label(n) == label and el.term_number_of(label) == n


def test_rank_shares_places():
    assert el.rank({"a": 10, "b": 8, "c": 8, "d": 3}) == [("a", 10, 1), ("b", 8, 2), ("c", 8, 2), ("d", 3, 4)]


def test_age_limits_by_sex_and_incumbency():
    limits = {"incumbent": {"男": 57, "女": 52}, "new": {"男": 55, "女": 50}}
    on = dt.date(2026, 6, 1)
    assert el.eligibility("男", dt.date(1968, 6, 2), True, on, limits)[0]  # 57 years old
    assert not el.eligibility("男", dt.date(1968, 6, 1), True, on, limits)[0]  # 58 on the day
    assert not el.eligibility("女", dt.date(1975, 1, 1), False, on, limits)[0]  # 51, new
    assert el.eligibility("女", dt.date(1975, 1, 1), True, on, limits)[0]  # 51, continuing
    # [002]: incumbents without an age limit
    assert el.eligibility("男", dt.date(1950, 1, 1), True, on, {"incumbent": {"男": None}, "new": {}})[0]


# ---- actions ----------------------------------------------------------------

RACES = [{"name": "党委委员", "kind": "committee", "seats": 3, "woman_seat": True},
         {"name": "党委书记", "kind": "secretary", "seats": 1}]


def _event(db, admin, races=RACES):
    return el.create_event(db, admin, term_number=8, event_date="2026-06-01", races_spec=races)


def _nominee(db, admin, ev, name, sex="男", birth="1980-01-01", **kw):
    return el.add_nominee(db, admin, ev, name=name, sex=sex, birth_date=birth, **kw)


def test_event_and_eligibility(db, admin):
    ev = _event(db, admin)
    assert el.get_event(db, ev)["rec_seats"] == 3
    _nominee(db, admin, ev, "甲", birth="1966-01-01")  # 60: too old as new
    _nominee(db, admin, ev, "乙", sex="女", birth="1990-05-05")
    noms = {n["name"]: n for n in el.nominees(db, ev)}
    assert not noms["甲"]["eligible"] and "超过新进人选年龄上限 55" in noms["甲"]["eligibility_reason"]
    assert noms["乙"]["eligible"]
    assert el.woman_rule(db, ev)["seat_held_open"] is False
    data = el.eligibility_for_notice(db, ev)
    assert data["rows"][0][3] == "1966.01" and "不符合" in data["rows"][0][-1]
    with pytest.raises(ValidationError, match="已存在"):
        _event(db, admin)


def test_write_needs_capability(db, actor_of):
    with pytest.raises(PermissionDenied):
        el.create_event(db, actor_of("window"), term_number=8, event_date="2026-06-01")


def test_rec_tally_bad_input_saves_nothing(db, admin):
    ev = _event(db, admin)
    a = _nominee(db, admin, ev, "甲")
    b = _nominee(db, admin, ev, "乙")
    before = db.execute("SELECT COUNT(*) FROM election_rec_units").fetchone()[0]
    with pytest.raises(ValidationError, match="多于有效票"):
        el.save_rec_unit(db, admin, ev, name="青石村", eligible_members=20, eligible_reps=10,
                         present_members=18, present_reps=8, invalid_ballots=1, votes={a: 26, b: 3})
    with pytest.raises(ValidationError, match="多于应到"):
        el.save_rec_unit(db, admin, ev, name="青石村", eligible_members=20, present_members=21, votes={})
    assert db.execute("SELECT COUNT(*) FROM election_rec_units").fetchone()[0] == before
    unit = el.save_rec_unit(db, admin, ev, name="青石村", eligible_members=20, eligible_reps=10,
                            present_members=18, present_reps=8, invalid_ballots=1, votes={a: 25, b: 20})
    el.save_rec_unit(db, admin, ev, name="东岭村", eligible_members=10, present_members=10, votes={a: 4, b: 9})
    rec = el.recommendation(db, ev)
    assert rec["eligible"] == 40 and rec["present"] == 36
    assert [(r["name"], r["votes"], r["rank"]) for r in rec["ranking"]] == [("甲", 29, 1), ("乙", 29, 1)]
    # correcting a sheet replaces its votes
    el.save_rec_unit(db, admin, ev, unit_uuid=unit, name="青石村", eligible_members=20, eligible_reps=10,
                     present_members=18, present_reps=8, invalid_ballots=1, votes={a: 25})
    assert el.rec_votes(db, unit) == {a: 25}
    assert "参荐率 90.0%" in el.recommendation_for_notice(db, ev)["notes"][0]


def _roster(db, admin, names_sexes):
    organ = records.insert(db, "organs", {"name": "党委", "kind": "党委"}, admin)
    post = records.insert(db, "posts", {"organ_uuid": organ, "title": "党委委员", "role": "committee",
                                        "is_team": 1}, admin)
    cadres = {}
    for name, sex in names_sexes:
        cadres[name] = records.insert(db, "cadres", {"name": name, "sex": sex, "birth_date": "1982-03",
                                                     "status": "在职"}, admin)
    return post, cadres


def test_full_election_with_runoff_and_new_term(db, admin):
    people = [("赵一", "男"), ("钱二", "男"), ("孙三", "男"), ("李四", "女"), ("周五", "男"), ("吴六", "男")]
    with db.atomic():
        post, cadres = _roster(db, admin, people)
        old = records.insert(db, "appointments", {"cadre_uuid": cadres["吴六"], "post_uuid": post,
                                                  "start_date": "2021-06-01", "term": "7", "method": "选任"}, admin)
    ev = el.create_event(db, admin, term_number=8, event_date="2026-06-01",
                         races_spec=[{"name": "党委委员", "kind": "committee", "seats": 3, "woman_seat": True,
                                      "post_uuid": post}])
    noms = {name: el.add_nominee(db, admin, ev, cadre_uuid=cadres[name]) for name, _ in people}
    listed = {n["name"]: n for n in el.nominees(db, ev)}
    assert listed["吴六"]["incumbent"] and not listed["赵一"]["incumbent"]
    assert listed["赵一"]["birth_date"] == "1982-03-01"
    race = el.races(db, ev)[0]["uuid"]
    with pytest.raises(ValidationError, match="至少 4 名"):
        el.set_candidates(db, admin, race, [noms["赵一"], noms["钱二"], noms["李四"]])
    # without a woman one seat is held open: 2 seats +30% → 3
    with pytest.raises(ValidationError, match="至少 3 名"):
        el.set_candidates(db, admin, race, [noms["赵一"], noms["钱二"]])
    assert el.candidates(db, race) == []
    el.set_candidates(db, admin, race, [noms[n] for n in ("赵一", "钱二", "孙三", "李四", "周五")])
    # round 1: 40 present, 40 returned, 2 invalid → 38 valid; majority needs 21
    with pytest.raises(ValidationError, match="所划人数多于应选名额"):
        el.record_round(db, admin, race, expected=42, present=40, ballots_returned=40, ballots_invalid=2,
                        votes={noms["赵一"]: 38, noms["钱二"]: 38, noms["孙三"]: 38, noms["李四"]: 1})
    assert el.rounds(db, race) == []
    with pytest.raises(ValidationError, match="应到人数"):
        el.record_round(db, admin, race, present=40, ballots_returned=40, votes={noms["赵一"]: 35})
    el.record_round(db, admin, race, expected=42, present=40, ballots_returned=40, ballots_invalid=2,
                    votes={noms["赵一"]: 35, noms["钱二"]: 30, noms["孙三"]: 20, noms["李四"]: 18,
                           noms["周五"]: 5})
    res = el.race_result(db, race)
    # 孙三 (20) lacks a majority of the 42 entitled; the open seat is kept for a woman
    assert res["elected_names"] == ["赵一", "钱二"] and res["open_seats"] == 1
    assert res["runoff_pool"] == [noms["李四"]]
    with pytest.raises(ValidationError, match="不是本轮候选人"):
        el.record_round(db, admin, race, expected=42, present=40, ballots_returned=40, votes={noms["孙三"]: 30})
    with pytest.raises(ValidationError, match="还有 1 个名额"):
        el.create_term_appointments(db, admin, ev)
    el.record_round(db, admin, race, expected=42, present=39, ballots_returned=39, ballots_invalid=1,
                    votes={noms["李四"]: 30})
    res = el.race_result(db, race)
    assert res["elected_names"] == ["赵一", "钱二", "李四"] and res["open_seats"] == 0
    notice = el.results_for_notice(db, ev)
    assert ["党委委员", 3, 2, 42, 39, "李四", 30, "当选"] in notice["rows"]
    assert "超过应到会人数半数" in notice["intro"]
    counts = el.create_term_appointments(db, admin, ev)
    assert counts == {"ended": 1, "created": 3}
    assert records.get(db, "appointments", old)["end_date"] == "2026-05-31"
    current = db.execute("SELECT COUNT(*) FROM appointments WHERE end_date IS NULL AND deleted = 0 "
                         "AND term = '第八届'").fetchone()[0]
    assert current == 3
    with pytest.raises(ValidationError, match="不能重复生成"):
        el.create_term_appointments(db, admin, ev)


def test_seat_kept_open_without_woman_candidate(db, admin):
    ev = _event(db, admin, [{"name": "党委委员", "kind": "committee", "seats": 3, "woman_seat": True}])
    men = [_nominee(db, admin, ev, n) for n in ("甲", "乙", "丙", "丁")]
    race = el.races(db, ev)[0]["uuid"]
    # no woman: 2 seats to fill, +30% → 3 candidates suffice
    el.set_candidates(db, admin, race, men[:3])
    res = el.race_result(db, race)
    assert res["seats"] == 2 and res["held_open_for_woman"]
    el.record_round(db, admin, race, expected=10, present=10, ballots_returned=10,
                    votes={men[0]: 9, men[1]: 8, men[2]: 3})
    res = el.race_result(db, race)
    assert res["elected_names"] == ["甲", "乙"] and res["open_seats"] == 0
    assert any("保留 1 个职位" in n for n in el.results_for_notice(db, ev)["notes"])


def test_majority_of_those_present_only_as_a_setting(db, admin):
    from models.core import settings

    ev = _event(db, admin, [{"name": "党委书记", "kind": "secretary", "seats": 1}])
    a, b = _nominee(db, admin, ev, "甲"), _nominee(db, admin, ev, "乙")
    race = el.races(db, ev)[0]["uuid"]
    el.set_candidates(db, admin, race, [a, b])
    # 40 expected, 30 present: 18 votes is a majority of those present, not of those entitled
    el.record_round(db, admin, race, expected=40, present=30, ballots_returned=30, votes={a: 18, b: 12})
    res = el.race_result(db, race)
    assert res["elected"] == [] and res["steps"][0]["need"] == 21 and res["steps"][0]["majority_of"] == "应到"
    with db.atomic():
        settings.set_value(db, "election.majority_of_present", True, admin)
    assert el.race_result(db, race)["elected"] == [a]


def test_hundred_entitled_ninety_present_elects_only_51_and_more(db, admin):
    ev = _event(db, admin, [{"name": "党委委员", "kind": "committee", "seats": 5}])
    keys = {n: _nominee(db, admin, ev, n) for n in "甲乙丙丁戊己庚"}
    race = el.races(db, ev)[0]["uuid"]
    el.set_candidates(db, admin, race, list(keys.values()))
    votes = {keys["甲"]: 80, keys["乙"]: 70, keys["丙"]: 51, keys["丁"]: 47, keys["戊"]: 46, keys["己"]: 30,
             keys["庚"]: 20}
    el.record_round(db, admin, race, expected=100, present=90, ballots_returned=90, votes=votes)
    res = el.race_result(db, race)
    assert res["elected_names"] == ["甲", "乙", "丙"] and res["open_seats"] == 2


def _linked_event(db, admin):
    ev = _event(db, admin, [{"name": "党委委员", "kind": "committee", "seats": 3},
                            {"name": "党委书记", "kind": "secretary", "seats": 1},
                            {"name": "党委副书记", "kind": "deputy", "seats": 1}])
    keys = {n: _nominee(db, admin, ev, n) for n in "甲乙丙丁戊"}
    committee, secretary, deputy = (r["uuid"] for r in el.races(db, ev))
    return ev, keys, committee, secretary, deputy


def test_committee_loser_cannot_be_secretary(db, admin):
    ev, k, committee, secretary, deputy = _linked_event(db, admin)
    with pytest.raises(ValidationError, match="尚未选出"):
        el.set_candidates(db, admin, secretary, [k["甲"], k["乙"]])
    el.set_candidates(db, admin, committee, [k[n] for n in "甲乙丙丁"])
    el.record_round(db, admin, committee, expected=20, present=20, ballots_returned=20,
                    votes={k["甲"]: 18, k["乙"]: 17, k["丙"]: 15, k["丁"]: 5})
    with pytest.raises(ValidationError, match="“丁”未当选新一届党委委员"):
        el.set_candidates(db, admin, secretary, [k["甲"], k["丁"]])
    el.set_candidates(db, admin, secretary, [k["甲"], k["乙"]])
    el.record_round(db, admin, secretary, expected=20, present=20, ballots_returned=20, votes={k["甲"]: 15, k["乙"]: 5})
    # the new secretary is not a deputy candidate as well (书记、副书记 are not held together)
    with pytest.raises(ValidationError, match="“甲”已当选党委书记"):
        el.set_candidates(db, admin, deputy, [k["甲"], k["乙"]])
    el.set_candidates(db, admin, deputy, [k["乙"], k["丙"]])
    el.record_round(db, admin, deputy, expected=20, present=20, ballots_returned=20, votes={k["乙"]: 12, k["丙"]: 8})
    assert el.race_result(db, deputy)["elected_names"] == ["乙"]


def test_votes_for_a_secretary_elected_meanwhile_are_refused(db, admin):
    ev, k, committee, secretary, deputy = _linked_event(db, admin)
    el.set_candidates(db, admin, committee, [k[n] for n in "甲乙丙丁"])
    el.record_round(db, admin, committee, expected=20, present=20, ballots_returned=20,
                    votes={k["甲"]: 18, k["乙"]: 17, k["丙"]: 15, k["丁"]: 5})
    el.set_candidates(db, admin, secretary, [k["甲"], k["乙"]])
    el.set_candidates(db, admin, deputy, [k["甲"], k["丙"]])  # typed in before the secretary vote
    el.record_round(db, admin, secretary, expected=20, present=20, ballots_returned=20, votes={k["甲"]: 15, k["乙"]: 5})
    with pytest.raises(ValidationError, match="已当选党委书记"):
        el.record_round(db, admin, deputy, expected=20, present=20, ballots_returned=20, votes={k["甲"]: 12, k["丙"]: 8})
    # a post marked as held together with another is allowed
    el.update_race(db, admin, deputy, {"may_combine": True})
    el.record_round(db, admin, deputy, expected=20, present=20, ballots_returned=20, votes={k["甲"]: 12, k["丙"]: 8})


def test_incumbents_who_do_not_self_nominate_are_withdrawn(db, admin):
    post, cadres = _roster(db, admin, [("赵一", "男"), ("钱二", "女"), ("孙三", "男")])
    with db.atomic():
        for name in ("赵一", "钱二"):
            records.insert(db, "appointments", {"cadre_uuid": cadres[name], "post_uuid": post,
                                                "start_date": "2021-06-01", "term": "7", "method": "选任"}, admin)
    ev = _event(db, admin)
    el.add_nominee(db, admin, ev, cadre_uuid=cadres["赵一"])
    el.add_nominee(db, admin, ev, cadre_uuid=cadres["孙三"])
    assert [c["name"] for c in el.incumbents_not_nominated(db, ev)] == ["钱二"]
    assert el.close_nominations(db, admin, ev) == 1
    noms = {n["name"]: n for n in el.nominees(db, ev)}
    assert noms["钱二"]["withdrawn"] and not noms["钱二"]["eligible"]
    assert "未自荐报名" in noms["钱二"]["eligibility_reason"]
    with pytest.raises(ValidationError, match="报名已截止"):
        _nominee(db, admin, ev, "周五")


def test_age_limits_and_woman_rule_are_one_configuration(db, admin):
    """issue 13: changing the roster's eligibility setting changes the election's check."""
    from models.core import settings
    from models.roster import rules

    ev = _event(db, admin)
    _nominee(db, admin, ev, "甲", birth="1968-01-01")  # 58 on the event date, new nominee
    assert not el.nominees(db, ev)[0]["eligible"]
    with db.atomic():
        settings.set_value(db, "roster.age_new_male", 60, admin)
    assert el.nominees(db, ev)[0]["eligible"]
    with db.atomic():
        rules.apply_preset(db, admin, "002")
    # [002]: new entrants under 35
    assert not el.nominees(db, ev)[0]["eligible"] and "上限 35" in el.nominees(db, ev)[0]["eligibility_reason"]
    with db.atomic():
        settings.set_value(db, "roster.min_women", 0, admin)
    assert el.woman_rule(db, ev)["required"] is False
    for key in settings.DEFAULTS:
        assert not key.startswith("election.age") and key != "election.require_woman"


def test_undo_last_round(db, admin):
    ev = _event(db, admin, [{"name": "党委书记", "kind": "secretary", "seats": 1}])
    a, b = _nominee(db, admin, ev, "甲"), _nominee(db, admin, ev, "乙")
    race = el.races(db, ev)[0]["uuid"]
    el.set_candidates(db, admin, race, [a, b])
    el.record_round(db, admin, race, expected=10, present=10, ballots_returned=10, votes={a: 5, b: 5})
    res = el.race_result(db, race)
    assert res["open_seats"] == 1 and res["runoff_pool"] == [a, b]
    el.undo_last_round(db, admin, race)
    assert el.rounds(db, race) == []
    with pytest.raises(ValidationError, match="不符合资格"):
        old = _nominee(db, admin, ev, "丙", birth="1950-01-01")
        el.set_candidates(db, admin, race, [a, old])


def test_three_notices_publish_without_private_numbers(db, admin):
    import datetime as dt

    from models.notices import registry as notices
    from models.core.personal import find_private_numbers

    ev = _event(db, admin, [{"name": "党委书记", "kind": "secretary", "seats": 1}])
    a, b = _nominee(db, admin, ev, "甲"), _nominee(db, admin, ev, "乙", sex="女")
    el.save_rec_unit(db, admin, ev, name="青石村", eligible_members=10, present_members=9, votes={a: 6, b: 3})
    race = el.races(db, ev)[0]["uuid"]
    el.set_candidates(db, admin, race, [a, b])
    el.record_round(db, admin, race, expected=10, present=9, ballots_returned=9, votes={a: 6, b: 3})
    for key in ("election_eligibility", "election_recommendation", "election_results"):
        result = notices.publish(db, admin, key, notices.NoticeParams(date=dt.date(2026, 6, 5), period="第八届"))
        text = "".join(p.extract_text() for p in __import__("pypdf").PdfReader(
            __import__("io").BytesIO(result.pdf)).pages)
        assert "甲" in text and not find_private_numbers(text)
    with pytest.raises(ValidationError, match="没有第九届"):
        notices.gather(db, "election_results", notices.NoticeParams(period="9"))


def test_demo_term_change_is_complete_and_consistent(db, admin):
    import random

    from models.demo import election as demo_election

    from models.demo import roster as demo_roster
    from models.demo.township import DemoOptions

    from models.core import township
    from models.demo.township import OFFICES, VILLAGE_NAMES

    for name in VILLAGE_NAMES[:8]:
        township.add_village(db, admin, name, 200)
    for name, kind, est in OFFICES:
        township.add_office(db, admin, name, kind, establishment=est)
    options = DemoOptions(seed=3)
    demo_roster.fill(db, random.Random(3), admin, options)
    demo_election.fill(db, random.Random(3), admin, options)
    ev = el.events(db)[0]
    for res in el.results(db, ev["uuid"]):
        assert res["open_seats"] == 0 and len(res["elected"]) == res["seats"]
        assert res["race"]["post_uuid"]
    counts = el.create_term_appointments(db, admin, ev["uuid"])
    assert counts["created"] == 13
    from models.core import audit

    assert audit.verify_chain(db) == []


def test_delete_nominee_only_when_unused_and_update_event(db, admin):
    ev = _event(db, admin)
    a, b = _nominee(db, admin, ev, "甲"), _nominee(db, admin, ev, "乙")
    el.save_rec_unit(db, admin, ev, name="青石村", eligible_members=5, present_members=5, votes={a: 3})
    with pytest.raises(ValidationError, match="不能删除"):
        el.delete_nominee(db, admin, a)
    el.delete_nominee(db, admin, b)
    assert [n["name"] for n in el.nominees(db, ev)] == ["甲"]
    el.update_event(db, admin, ev, event_date="2026-07-01", rec_seats=5)
    assert el.get_event(db, ev)["event_date"] == "2026-07-01"
    with pytest.raises(ValidationError, match="两推推荐名额"):
        el.update_event(db, admin, ev, rec_seats=0)


def test_rec_import_all_or_nothing(db, admin):
    ev = _event(db, admin)
    _nominee(db, admin, ev, "甲")
    _nominee(db, admin, ev, "乙")
    good = {"单位": "青石村", "类别": "村", "应到党员": "20", "实到党员": "18", "应到群众代表": "10",
            "实到群众代表": "8", "无效票": "1", "甲": "20", "乙": "12"}
    bad = dict(good, 单位="东岭村", 甲="30")  # 30 votes, 25 valid ballots
    with pytest.raises(ValidationError, match="第 3 行.*多于有效票 25"):
        el.import_rec_units(db, admin, ev, [good, bad])
    assert el.rec_units(db, ev) == []
    with pytest.raises(ValidationError, match="第 2 行 丙"):
        el.import_rec_units(db, admin, ev, [dict(good, 丙="1")])
    assert el.import_rec_units(db, admin, ev, [good, dict(bad, 甲="24")]) == 2
    assert [r["votes"] for r in el.recommendation(db, ev)["ranking"]] == [44, 24]
