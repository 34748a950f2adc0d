"""A category's scores read from a sheet: 姓名 and one column per indicator.

The sheet is an .xlsx as an office keeps it (read with the shared reader,
models/core/xlsx_read: a title row or a 说明 line above the header, a 序号 or
职务 column, a 合计 column, scores typed as numbers or as text, a 填表人 line
under the table) or tab-separated text (what Excel copies; a .txt/.tsv file).
Both go through one rule: the header is the row naming 姓名, each other header
must be an indicator of the category (or one of the columns offices add, which
are left alone), every refusal names the row as the sheet shows it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from models.assess import scorecard
from models.core import xlsx_read
from models.core.errors import ValidationError
from models.core.users import require

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

    from models.core.users import Actor

NAME_HEADERS = ("姓名", "被考核人", "考核对象", "干部姓名")
# Columns an office adds beside the scores: read past, never taken as an indicator.
OTHER_HEADERS = ("序号", "编号", "职务", "现任职务", "单位", "科室", "所在村", "村", "备注", "说明", "合计", "总分",
                 "得分合计", "总得分", "排名", "名次", "等次", "签名")
# A 填表人 / 审核人 / 合计 line under the table.
NOTE_ROW_RE = re.compile(r"^(填表人|审核人|制表人|制表|填报人|填报单位|负责人|注[:：]|说明|填表说明|备注[:：]|合计|小计|总计)")
HEAD_ROWS = 30


def _key(text) -> str:
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", xlsx_read.cell_text(text)))


def read_score_sheet(db: Database, category_uuid: str, path) -> list[tuple]:
    """Cells (subject_uuid, item_uuid, value, reason) for scorecard.set_scores
    from an .xlsx or a tab-separated text file. Raises ValidationError naming
    the row (and the column) of anything it cannot take."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return sheet_cells(db, category_uuid, xlsx_read.iter_rows(path))
    if path.suffix.lower() in (".xls", ".et"):
        raise ValidationError("文件", f"“{path.name}”是旧的 .xls/.et 表格，请先另存为 .xlsx。")
    return parse_grid_text(db, category_uuid, path.read_text(encoding="utf-8-sig"))


def parse_grid_text(db: Database, category_uuid: str, text: str) -> list[tuple]:
    """Tab-separated text with a header row (姓名, item names…) → cells for set_scores."""
    rows = [(n, line.split("\t")) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    return sheet_cells(db, category_uuid, rows)


def sheet_cells(db: Database, category_uuid: str, rows) -> list[tuple]:
    """(row number, values) → cells for set_scores (the rule both readers share)."""
    items: dict[str, dict | None] = {}
    for it in scorecard.leaf_items(db, category_uuid):
        items[_key(it["name"])] = None if _key(it["name"]) in items else it  # None: two indicators of that name
    people: dict[str, list[dict]] = {}
    for s in scorecard.subjects(db, category_uuid):
        people.setdefault(_key(s["person_name"]), []).append(s)
    rows = iter(rows)
    name_at, columns = _header(rows, items)
    cells = []
    for n, values in rows:
        if any(NOTE_ROW_RE.match(_key(v)) for v in values[:name_at + 1] if v is not None):
            continue  # a 填表人 / 合计 line under the table (it often starts left of the 姓名 column)
        name = _key(values[name_at]) if name_at < len(values) else ""
        if not name:
            if any(i < len(values) and _key(values[i]) for i, _ in columns):
                raise ValidationError("姓名", "有得分却没有姓名。", n)
            continue  # a numbered row not filled in yet
        if name not in people:
            raise ValidationError("姓名", f"“{name}”不在该类别的考核对象中。", n)
        if len(people[name]) > 1:
            raise ValidationError("姓名", f"“{name}”重名，请在窗口中录入。", n)
        for i, item in columns:
            value = xlsx_read.cell_text(values[i]) if i < len(values) else ""
            scorecard.check_cell(item, value, n)  # the Excel row in the message, before anything is saved
            cells.append((people[name][0]["uuid"], item["uuid"], value, None))  # no reason on a sheet: kept
    if not cells:
        raise ValidationError("文件", "表头下面没有得分。")
    return cells


def _header(rows, items: dict) -> tuple[int, list[tuple[int, dict]]]:
    """Consume rows up to the header (the first row naming 姓名 among the
    first ones): (the 姓名 column, [(column, item)])."""
    names = {_key(h) for h in NAME_HEADERS}
    others = {_key(h) for h in OTHER_HEADERS}
    for seen, (n, values) in enumerate(rows, start=1):
        keys = [_key(v) for v in values]
        name_at = next((i for i, k in enumerate(keys) if k in names), None)
        if name_at is None:
            if seen >= HEAD_ROWS:
                break
            continue
        columns = []
        for i, k in enumerate(keys):
            if i == name_at or not k or k in others:
                continue
            if k not in items:
                raise ValidationError("表头", f"没有名为“{k}”的指标（第 {n} 行第 {i + 1} 列）。", n)
            item = items[k]
            if item is None:
                raise ValidationError("表头", f"本类别有两个名为“{k}”的指标，表格分不清是哪一个（第 {i + 1} 列），"
                                      "请先在指标中改名或在窗口中录入。", n)
            if item["source"] == "ballot":
                raise ValidationError("表头", f"“{k}”由民主测评票折算，不从得分表导入（第 {i + 1} 列），"
                                      "请删去这一列，票数在“民主测评”中录入。", n)
            columns.append((i, item))
        if not columns:
            raise ValidationError("表头", "表头中没有本类别的指标名称。", n)
        return name_at, columns
    raise ValidationError("表头", f"前 {HEAD_ROWS} 行中找不到“姓名”列（首行应为：姓名、各指标名称）。")


def _sheet_items(db: Database, category_uuid: str) -> list[dict]:
    """The indicators a sheet holds: every scored one but those counted from the
    democratic ballots (entered as votes in 民主测评, refused on a sheet)."""
    return [it for it in scorecard.leaf_items(db, category_uuid) if it["source"] != "ballot"]


def _points_text(item: dict, points) -> str | float | int | None:
    if points is None:
        return None
    if item["kind"] == "veto":
        return "是" if points else "否"
    return int(points) if float(points).is_integer() else float(points)


def sheet_title(year: int, period: str, category_name: str) -> str:
    """The title a score sheet carries (and the file name the window suggests for it)."""
    return f"{year}年{scorecard.PERIODS[period]}{category_name}考核得分表"


def export_score_sheet(db: Database, category_uuid: str, period: str, path,
                       actor: Actor | None = None) -> tuple[int, Path]:
    """The scores of one category and period as an .xlsx that imports back
    (read_score_sheet): a title row, then 序号, 姓名, 职务 and one column per
    indicator with the stored scores (一票否决 as 是/否, a drop-down), and a 说明
    sheet with each indicator's full points. With no scores yet it is the
    category's blank sheet to fill in. Audited when an actor is given (the window
    always gives one). Returns (the number of people written, where)."""
    from models.core import exports, xlsx_write

    category = scorecard._category(db, category_uuid)
    plan = scorecard._plan(db, category["plan_uuid"])
    period = scorecard._check_period(plan, period)
    if actor is not None:
        exports.require_auditable(db)
    items = _sheet_items(db, category_uuid)
    people = scorecard.subjects_shown(db, category_uuid)
    stored = scorecard.score_grid(db, category_uuid, period)["cells"]
    title = sheet_title(plan["year"], period, category["name"])
    columns = [("序号", 6), ("姓名", 12, "text"), ("职务", 16, "text")] + [(it["name"], max(10, 2 * len(it["name"]) + 2))
                                                                        for it in items]
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("得分", columns, title=title, data_rows=len(people))
        for n, person in enumerate(people, start=1):
            scores = [_points_text(it, (stored.get((person["uuid"], it["uuid"])) or {}).get("points")) for it in items]
            sheet.append([n, person["person_name"], person.get("post") or ""] + scores)
        for i, it in enumerate(items, start=3):
            if it["kind"] == "veto":
                sheet.add_list_validation(i, ["是", "否"], first_row=3, last_row=2 + max(len(people), 1))
        notes = wb.add_sheet("说明", [("指标", 24, "text"), ("类型", 10, "text"), ("满分", 8), ("评分标准", 80, "text")],
                             freeze=False)
        for it in items:
            full = "" if it["kind"] == "veto" else _points_text(it, it["max_points"])
            notes.append([it["name"], scorecard.ITEM_KINDS[it["kind"]], full, it["standard"] or ""])
        notes.append([])
        for line in (f"本表为“{category['name']}”{plan['year']}年{scorecard.PERIODS[period]}的得分，改好后在“考核 → 评分”中"
                     "点“导入得分表…”。",
                     "第 1 行是标题，第 2 行是表头：请不要改动表头和姓名；序号、职务列导入时不读。",
                     "得分不能超过该项满分；扣分项填扣掉的分数；一票否决项填“是”或“否”。",
                     "单元格留空即清除该项得分。评分理由请在窗口中录入：导入不改动已录的理由。",
                     "民主测评折算的指标不在本表中，请在“民主测评”中录入票数。"):
            notes.append([line])
    if actor is not None:
        exports.audit_export(db, actor, "assess_scores", str(path), len(people), "xlsx", False,
                             category=category["name"], period=period)
    return len(people), path


def import_score_sheet(db: Database, actor: Actor, category_uuid: str, period: str, path) -> tuple[int, int]:
    """Read a score sheet (read_score_sheet) and save it in one transaction:
    every cell is checked first and one bad cell saves nothing. A score the
    sheet leaves as stored is not written (its reason and source stay), so an
    exported sheet imported back changes nothing. Returns (cells read, cells
    changed)."""
    require(actor, scorecard.CAP)  # before the file is read: a 只读 user learns that first
    cells = read_score_sheet(db, category_uuid, path)
    items = {it["uuid"]: it for it in scorecard.leaf_items(db, category_uuid)}
    stored = scorecard.score_grid(db, category_uuid, period)["cells"]
    changed = sum(1 for subject, item, value, _ in cells
                  if scorecard.check_cell(items[item], value) != (stored.get((subject, item)) or {}).get("points"))
    scorecard.set_scores(db, actor, period, cells)
    return len(cells), changed
