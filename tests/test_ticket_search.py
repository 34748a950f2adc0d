"""Searching tickets the way clerks search: names at every length, pinyin
initials, phone and its last four digits, ID number and its tail, ticket
number, village; deleted tickets leave the index; the index drives the list."""

import datetime as dt

import pytest

from models.core import records
from models.core.users import Actor, WINDOW
from models.service import catalogue, search, tickets

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def clerk():
    return Actor("window", WINDOW, "窗口 王丽")


@pytest.fixture
def made(db, admin, clerk):
    item = catalogue.add_item(db, admin, {"department": "民政", "name": "最低生活保障申请", "time_limit_days": 5})
    people = [
        ("戴建国", "13812345678", "330106197808058742", "上庄村", "申请低保，上门办理"),
        ("戴丽", "13900001111", "", "下庄村", "咨询宅基地审批"),
        ("欧阳娜娜", "15955558742", "11010519491231002X", "上庄村", "家中有重病老人"),
        ("李明", "0571-63001234", "", "青石村", "林权证变更"),
    ]
    made = {}
    for name, phone, id_number, village, text in people:
        made[name] = tickets.create_ticket(db, clerk, {
            "applicant_name": name, "applicant_phone": phone, "applicant_id_number": id_number,
            "applicant_village": village, "item_uuid": item, "request_text": text, "received_date": "2026-02-12"},
            today=TODAY)
    return made


def names(db, q, **filters):
    f = tickets.TicketFilter(search=q, **filters)
    rows = tickets.fetch_window(db, f, 0, 50)
    found = sorted(r["applicant_name"] for r in rows)
    assert tickets.count_tickets(db, f) == len(rows), q  # the count agrees with the list
    return found


@pytest.mark.parametrize("q, expected", [
    ("戴", ["戴丽", "戴建国"]),                     # one character: a surname
    ("戴建", ["戴建国"]),                           # two characters
    ("戴建国", ["戴建国"]),                         # three
    ("欧阳娜娜", ["欧阳娜娜"]),
    ("上门办理", ["戴建国"]),                       # request text, longer phrase
    ("办理上门", []),                               # the pairs exist, not in this order
    ("低保上门", []),                               # a comma between them: not one phrase
    ("上庄", ["戴建国", "欧阳娜娜"]),               # village
    ("上庄村", ["戴建国", "欧阳娜娜"]),
    ("djg", ["戴建国"]),                            # pinyin initials
    ("DJ", ["戴建国"]),                             # upper case, initials prefix
    ("dai", ["戴丽", "戴建国"]),                    # full pinyin prefix
    ("oyn", ["欧阳娜娜"]),
    ("13812345678", ["戴建国"]),                    # phone
    ("138 1234 5678", ["戴建国"]),
    ("5678", ["戴建国"]),                           # phone tail
    ("1234", ["李明"]),                             # tail of a landline
    ("8742", ["戴建国", "欧阳娜娜"]),               # ID tail of one, phone tail of the other
    ("330106197808058742", ["戴建国"]),             # ID number
    ("058742", ["戴建国"]),                         # six-digit ID tail
    ("002x", ["欧阳娜娜"]),                         # ID tail with X
    ("2026-000003", ["欧阳娜娜"]),                  # ticket number
    ("2026-00000", ["欧阳娜娜", "戴丽", "戴建国", "李明"]),  # ticket number prefix
    ("戴 下庄", ["戴丽"]),                          # two words: both must match
    ("１３８１２３４５６７８", ["戴建国"]),          # full-width digits
    ('"; DROP', []),
    ("王", []),
])
def test_search_every_way(db, made, q, expected):
    assert names(db, q) == sorted(expected)


def test_only_punctuation_does_not_filter(db, made):
    assert search.match_expression("，。") is None
    assert tickets.count_tickets(db, tickets.TicketFilter(search="，。")) == 4


def test_search_within_other_filters_and_township(db, made):
    assert names(db, "戴", village="下庄村") == ["戴丽"]
    assert names(db, "戴", township_code="330106001") == ["戴丽", "戴建国"]
    assert names(db, "戴", township_code="330106002") == []
    assert not tickets.is_slow_filter(tickets.TicketFilter(search="戴", township_code="330106001"))


def test_edits_and_deletes_follow_the_index(db, made, clerk):
    t = made["戴丽"]
    with db.atomic():
        records.update(db, "tickets", t["uuid"], {"applicant_name": "孙丽", "applicant_phone": "13700002222"}, clerk)
    assert names(db, "戴") == ["戴建国"]
    assert names(db, "sl") == ["孙丽"] and names(db, "2222") == ["孙丽"] and names(db, "1111") == []
    with db.atomic():
        records.delete(db, "tickets", made["戴建国"]["uuid"], clerk)
    assert names(db, "戴") == [] and names(db, "5678") == [] and names(db, "上庄") == ["欧阳娜娜"]
    # Deleted rows really left the index: counting the index alone agrees.
    assert db.execute(f"SELECT count(*) FROM {search.TABLE} WHERE {search.TABLE} MATCH ?",
                      ['uni : "戴"']).fetchone()[0] == 0


def test_window_is_driven_by_the_index_in_both_directions(db, made):
    f = tickets.TicketFilter(search="庄")
    total = tickets.count_tickets(db, f)
    forward = [r["id"] for r in tickets.fetch_window(db, f, 1, 2)]
    backward = [r["id"] for r in tickets.fetch_window(db, f, 1, 2, total=total)]
    assert total == 3 and forward == backward and len(forward) == 2
    where, params = tickets.where_clause(db, f)
    assert db.execute(f"SELECT count(*) FROM tickets WHERE {where}", params).fetchone()[0] == 3
    plan = " ".join(str(r[-1]) for r in db.execute(
        f"EXPLAIN QUERY PLAN SELECT count(*) FROM {search.TABLE} s CROSS JOIN tickets t ON t.id = s.rowid "
        f"WHERE {search.TABLE} MATCH ? AND t.deleted = 0", [search.match_expression("庄")]))
    assert "SCAN s VIRTUAL TABLE" in plan and "SCAN t" not in plan


def test_rebuild_gives_the_same_answers(db, made):
    with db.atomic():
        assert search.rebuild(db) == 4
    assert names(db, "djg") == ["戴建国"] and names(db, "上庄") == ["戴建国", "欧阳娜娜"]
