"""Boards fit boards: the 干部流向公示栏 for up to 80 cadres on one sheet,
the 连心卡 at a readable size filling its cards — measured from the PDF."""

import copy
import io

import pdfplumber
import pytest
from pypdf import PdfReader

from models.notices import registry as notices

GIVEN = "明华国建立秀丽军"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from models.core.db import close_database, open_database
    from models.demo.township import DemoOptions, build_demo

    database = open_database(tmp_path_factory.mktemp("boards") / "demo.db")
    build_demo(database, DemoOptions(seed=3, tickets=20))
    yield database
    close_database(database)


def board_of(demo, people: int) -> dict:
    """The demo's board with `people` rows: the demo's cadres repeated (their
    real posts, statuses and places) under distinct three-character names."""
    data = notices.gather(demo, "whereabouts", notices.NoticeParams())
    base = data["rows"]
    out = copy.deepcopy(data)
    out["rows"] = [dict(base[i % len(base)], name=base[i % len(base)]["name"][:1] + GIVEN[i % 8] + "英伟平"[i // 8 % 3])
                   for i in range(people)]
    assert len({r["name"] for r in out["rows"]}) == people
    return out


def chars_of(pdf: bytes):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(page.width, page.height, list(page.chars)) for page in doc.pages]


def table_size(chars) -> float:
    """The size most characters on the sheet are set in: the table's."""
    from collections import Counter

    return Counter(round(c["size"], 2) for c in chars).most_common(1)[0][0]


@pytest.mark.parametrize("paper", ["a4-landscape", "a4", "a3"])
def test_eighty_cadres_fit_one_sheet(demo, paper):
    from reports.notices.roster import board_spec

    data = board_of(demo, 80)
    pdf = notices.render("whereabouts", data, "20261122-ABCDEF", paper=paper)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for row in data["rows"]:
        assert row["name"] in text
    assert "合计" in text and data["office"]["office"] in text
    [(width, height, chars)] = chars_of(pdf)
    spec = board_spec(paper)
    k = spec.scale
    assert table_size(chars) >= 9 * k - 0.01  # readable: never under 9 pt on A4 (12.7 pt on A3)
    for c in chars:  # nothing past the board's margins (the serial line sits in the foot)
        assert spec.left - 0.5 <= c["x0"] and c["x1"] <= spec.left + spec.text_width + 0.5, c["text"]


def test_a_smaller_team_gets_larger_type(demo):
    def body_size(people):
        pdf = notices.render("whereabouts", board_of(demo, people), "20261122-ABCDEF")
        [(_, _, chars)] = chars_of(pdf)
        return table_size(chars)

    assert body_size(30) > body_size(80)


def card_regions(page, rows: int, cols: int):
    """The characters of each card cut from an A4 page, top to bottom, left to right."""
    w, h = float(page.width) / cols, float(page.height) / rows
    for r in range(rows):
        for c in range(cols):
            yield [ch for ch in page.chars if c * w <= ch["x0"] < (c + 1) * w and r * h <= ch["top"] < (r + 1) * h
                   and ch["size"] > 7.5]  # not the 7 pt serial in the sheet's corner


@pytest.mark.parametrize("team_size", [11, 5])
def test_liaison_cards_are_readable_and_filled(demo, team_size):
    from reports.notices.roster import CARD_MIN_SIZE, card_layout

    data = notices.gather(demo, "liaison_cards", notices.NoticeParams())
    data["team"] = data["team"][:team_size]
    rows, cols = card_layout(data)
    pdf = notices.render("liaison_cards", data, "20261122-ABCDEF")
    cards_seen = 0
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            card_height = float(page.height) / rows
            for chars in card_regions(page, rows, cols):
                if not chars:
                    continue
                cards_seen += 1
                text = "".join(c["text"] for c in chars)
                # a whole card on its piece: title to foot, nothing run over from the next
                assert text.count("连 心 卡") == 1 and text.count("有事请找我们") == 1, text[:40]
                sizes = [c["size"] for c in chars if c["fontname"].split("+")[-1] and c["size"] < 20]
                assert min(sizes) >= CARD_MIN_SIZE - 0.01
                used = max(c["bottom"] for c in chars) - min(c["top"] for c in chars)
                assert used >= 0.8 * card_height, (used, card_height)  # filled, not a third empty
    assert cards_seen == len(data["villages"])
    if team_size == 5:
        assert (rows, cols) == (2, 2)  # a small team keeps four cards to a sheet
