"""Exchange the roster with what offices already use: .xlsx sheets (with a
column-mapping step) and .lrmx 干部任免审批表 files (UTF-8 XML, root <Person>).

Imports run in one transaction; each row (or file) is written whole inside a
savepoint, so good rows import, bad rows are listed with their row number and
field, and nothing is half-written. Existing cadres are matched by ID number.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from models.core import records

from models.roster import team as roster
from models.core.errors import AppError, ValidationError
from models.core.users import require

# field -> column header (export order)
XLSX_COLUMNS = [
    ("name", "姓名"), ("sex", "性别"), ("ethnicity", "民族"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
    ("native_place", "籍贯"), ("birth_place", "出生地"), ("political_status", "政治面貌"),
    ("party_join_date", "入党时间"), ("work_start_date", "参加工作时间"),
    ("edu_fulltime", "全日制学历"), ("degree_fulltime", "全日制学位"), ("school_fulltime", "全日制毕业院校及专业"),
    ("edu_inservice", "在职学历"), ("degree_inservice", "在职学位"), ("school_inservice", "在职毕业院校及专业"),
    ("specialty", "专业技术职务"), ("rank", "职级"), ("staffing", "编制性质"), ("office", "所在科室"),
    ("posts", "现任职务"), ("phone", "联系电话"), ("proposed_post", "拟任职务"), ("nomination", "提名类别"),
    ("status", "状态"), ("resume", "简历"), ("rewards", "奖惩情况"), ("annual_assessments", "年度考核结果"),
    ("note", "备注"),
]
FIELD_LABELS = dict(XLSX_COLUMNS)
# Other headers offices use for the same thing.
HEADER_ALIASES = {
    "姓名": "name", "名字": "name", "性别": "sex", "民族": "ethnicity", "出生年月": "birth_date", "出生日期": "birth_date",
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "籍贯": "native_place",
    "出生地": "birth_place", "政治面貌": "political_status", "入党时间": "party_join_date",
    "参加工作时间": "work_start_date", "全日制学历": "edu_fulltime", "学历": "edu_fulltime",
    "全日制学位": "degree_fulltime", "学位": "degree_fulltime", "全日制毕业院校及专业": "school_fulltime",
    "毕业院校": "school_fulltime", "在职学历": "edu_inservice", "在职学位": "degree_inservice",
    "在职毕业院校及专业": "school_inservice", "专业技术职务": "specialty", "职级": "rank", "级别": "rank",
    "编制性质": "staffing", "编制": "staffing", "所在科室": "office", "科室": "office", "所在部门": "office",
    "现任职务": "posts", "职务": "posts", "联系电话": "phone", "电话": "phone", "手机": "phone", "手机号": "phone",
    "拟任职务": "proposed_post", "提名类别": "nomination", "状态": "status", "简历": "resume",
    "奖惩情况": "rewards", "年度考核结果": "annual_assessments", "备注": "note",
}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class ImportResult:
    """What an import did: counts and the rows (or files) refused, with why."""

    added: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # (where, message)

    def summary(self) -> str:
        text = f"新增 {self.added} 人，更新 {self.updated} 人"
        if self.errors:
            text += f"，{len(self.errors)} 行（份）有错未导入"
        return text + "。"


# ---- xlsx -------------------------------------------------------------------

def xlsx_headers(path) -> list[str]:
    """The header row (first non-empty row) of the first sheet."""
    for row in _sheet_rows(path):
        if any(c not in (None, "") for c in row):
            return ["" if c is None else str(c).strip() for c in row]
    return []


# ---- a lean reader of the first sheet ---------------------------------------
# openpyxl's read-only mode builds an object per cell and takes ~2 s for 5,000
# rows × 12 columns; streaming the sheet XML ourselves takes a fraction of that.
# Dates are told apart from numbers by the cell's number format, as Excel does.

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DATE_FORMAT_IDS = set(range(14, 23)) | {27, 30, 36, 45, 46, 47, 50, 57}


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code or "").lower()
    return bool(re.search(r"[ymd]", code)) and "general" not in code


def _sheet_rows(path):
    """Yield each row of the first worksheet as a list of values (str, float,
    date or None). Raises ValidationError for a file that is not an .xlsx."""
    import zipfile
    import zlib

    path = Path(path)
    if not path.exists():
        raise ValidationError("文件", f"“{path.name}”不存在。")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValidationError("文件", f"“{path.name}”不是 .xlsx 表格文件（旧的 .xls 请先另存为 .xlsx）。")
    from models.core.xlsx_safety import check_xlsx

    check_xlsx(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ValidationError("文件", f"“{path.name}”无法作为 .xlsx 读取，文件可能已损坏或不是表格。") from None
    with zf:
        names = set(zf.namelist())
        try:
            sheet = _first_sheet_name(zf, names)
            shared = _shared_strings(zf) if "xl/sharedStrings.xml" in names else []
            date_styles = _date_styles(zf) if "xl/styles.xml" in names else set()
            with zf.open(sheet) as f:
                yield from _parse_sheet(f, shared, date_styles)
        except (KeyError, ET.ParseError, ValueError, IndexError, zipfile.BadZipFile, zlib.error, EOFError):
            raise ValidationError("文件", f"“{path.name}”的内容不是有效的 .xlsx 表格。") from None


def _first_sheet_name(zf, names) -> str:
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    first = wb.find(f"{_NS}sheets/{_NS}sheet")
    rid = first.get(f"{_REL_NS}id") if first is not None else None
    if rid and "xl/_rels/workbook.xml.rels" in names:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels:
            if rel.get("Id") == rid:
                target = rel.get("Target", "").lstrip("/")
                return target if target.startswith("xl/") else "xl/" + target
    return "xl/worksheets/sheet1.xml"


def _shared_strings(zf) -> list[str]:
    out = []
    for _, el in ET.iterparse(zf.open("xl/sharedStrings.xml")):
        if el.tag == f"{_NS}si":
            out.append("".join(t.text or "" for t in el.iter(f"{_NS}t")))
            el.clear()
    return out


def _date_styles(zf) -> set[int]:
    root = ET.fromstring(zf.read("xl/styles.xml"))
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", "0"))
        if fid in _DATE_FORMAT_IDS or (fid in custom and _is_date_format(custom[fid])):
            out.add(i)
    return out


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if ch.isalpha():
            n = n * 26 + (ord(ch.upper()) - 64)
        else:
            break
    return n - 1


def _parse_sheet(f, shared, date_styles):
    epoch = dt.datetime(1899, 12, 30)
    for _, el in ET.iterparse(f):
        if el.tag != f"{_NS}row":
            continue
        row: list = []
        for c in el.iter(f"{_NS}c"):
            kind = c.get("t", "n")
            value: str | float | dt.date | None
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
            else:
                v = c.find(f"{_NS}v")
                text = v.text if v is not None else None
                if text is None:
                    value = None
                elif kind == "s":
                    value = shared[int(text)]
                elif kind in ("str", "e"):
                    value = text
                elif kind == "b":
                    value = "是" if text == "1" else "否"
                else:
                    number = float(text)
                    if int(c.get("s", "0")) in date_styles and 0 < number < 2958466:
                        value = (epoch + dt.timedelta(days=number)).date()
                    else:
                        value = number
            ref = c.get("r")
            i = _column_index(ref) if ref else len(row)
            if i >= len(row):
                row.extend([None] * (i - len(row) + 1))
            row[i] = value
        el.clear()
        yield row


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field for headers we recognise (the mapping step starts here)."""
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = re.sub(r"\s+", "", h or "")
        if key in HEADER_ALIASES and HEADER_ALIASES[key] not in out.values():
            out[i] = HEADER_ALIASES[key]
    return out


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_xlsx(db, actor, path, mapping: dict[int, str] | None = None, progress=None) -> ImportResult:
    """Import cadres from the first sheet. `mapping` (column index → field) comes
    from the mapping step; by default guess_mapping of the header row."""
    require(actor, roster.WRITE)
    rows_iter = iter(_sheet_rows(path))
    header_row = 0
    headers = []
    for row in rows_iter:
        header_row += 1
        if any(c not in (None, "") for c in row):
            headers = ["" if c is None else str(c).strip() for c in row]
            break
    mapping = mapping if mapping is not None else guess_mapping(headers)
    if "name" not in mapping.values():
        raise ValidationError("列对应", "没有对应到“姓名”列，无法导入。")
    rows = []
    for n, row in enumerate(rows_iter, header_row + 1):
        values = {f: _cell_text(row[i]) if i < len(row) else "" for i, f in mapping.items() if f}
        if any(values.values()):
            rows.append((n, values))
    return import_rows(db, actor, rows, progress=progress)


def import_rows(db, actor, rows: list[tuple[int, dict]], progress=None) -> ImportResult:
    """Import (row number, {field: text}) pairs in one transaction, each row in a
    savepoint. Fields 'office' (name) and 'posts' (titles joined by 、) are
    resolved to the office and to appointments for posts that exist."""
    require(actor, roster.WRITE)
    result = ImportResult()
    offices = {o["name"]: o["uuid"] for o in records.rows(db, "SELECT uuid, name FROM offices WHERE deleted = 0")}
    code = records.local_township_code(db)
    posts_by_title = {"": code}
    for p in roster.posts(db, code):
        posts_by_title.setdefault(p["title"], p["uuid"])
    by_id = {r[0]: r[1] for r in db.execute("SELECT id_number, uuid FROM cadres WHERE deleted = 0 AND id_number IS NOT NULL")}
    seen_ids: dict[str, int] = {}
    import gc

    gc_was_on = gc.isenabled()
    gc.disable()  # thousands of short-lived dicts, no cycles: the collector only costs time here
    try:
        _import_all(db, actor, rows, result, offices, posts_by_title, by_id, seen_ids, progress)
    finally:
        if gc_was_on:
            gc.enable()
    if progress:
        progress(len(rows), len(rows), "")
    return result


def _import_all(db, actor, rows, result, offices, posts_by_title, by_id, seen_ids, progress) -> None:
    with db.atomic():
        for k, (n, values) in enumerate(rows):
            if progress and k % 200 == 0:
                progress(k, len(rows), f"第 {n} 行")
            try:
                with db.atomic():
                    added = _import_one(db, actor, n, dict(values), offices, posts_by_title, by_id, seen_ids)
                result.added += added
                result.updated += 1 - added
            except ValidationError as e:
                result.errors.append((f"第 {n} 行", f"{e.field}：{e.bare_message}" if e.field else e.bare_message))


def _import_one(db, actor, n, values, offices, posts_by_title, by_id, seen_ids) -> int:
    office_name = values.pop("office", "").strip()
    titles = [t.strip() for t in re.split(r"[、,，;；]", values.pop("posts", "") or "") if t.strip()]
    if office_name:
        if office_name not in offices:
            raise ValidationError("所在科室", f"“{office_name}”不是本镇的科室（请先在设置中添加，或导入时不对应此列）。",
                                  row=n)
        values["office_uuid"] = offices[office_name]
    if titles:
        values["current_post_text"] = "、".join(titles)
    if "family" in values and isinstance(values["family"], str):
        values.pop("family")
    clean = roster.validate_cadre(values, row=n)
    id_number = clean.get("id_number")
    if id_number:
        if id_number in seen_ids:
            raise ValidationError("身份证号", f"与本文件第 {seen_ids[id_number]} 行重复。", row=n)
        seen_ids[id_number] = n
    existing = by_id.get(id_number) if id_number else None
    code = posts_by_title.get("", "")  # the local township code, looked up once per import
    if existing:
        records.update(db, "cadres", existing, clean, actor)
        cadre_uuid, added = existing, 0
        held = {a["post_uuid"] for a in roster.current_appointments(db, cadre_uuid)}
    else:
        cadre_uuid, added = records.insert(db, "cadres", clean, actor, township_code=code), 1
        held = set()  # a new cadre holds nothing yet: no overlap to check
        if id_number:
            by_id[id_number] = cadre_uuid
    for title in titles:
        post_uuid = posts_by_title.get(title)
        if post_uuid and post_uuid not in held:
            records.insert(db, "appointments", {"cadre_uuid": cadre_uuid, "post_uuid": post_uuid, "method": "委任"},
                           actor, township_code=code)
            held.add(post_uuid)
    return added


def export_rows(db, township_code: str | None = None, include_left: bool = True) -> list[dict]:
    """Every cadre with all exported fields (posts = current titles joined)."""
    where, params = roster._scope(township_code, include_left)
    return roster.attach_posts(db, records.rows(
        db, f"SELECT c.*, (SELECT name FROM offices f WHERE f.uuid = c.office_uuid) AS office "
            f"FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id", params))


def export_xlsx(db, path, township_code: str | None = None, include_left: bool = True, progress=None) -> int:
    """Write the roster to an .xlsx file (one row per cadre). Returns the row count."""
    from openpyxl import Workbook

    rows = export_rows(db, township_code, include_left)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("干部名册")
    ws.append([label for _, label in XLSX_COLUMNS])
    for k, r in enumerate(rows):
        if progress and k % 500 == 0:
            progress(k, len(rows), "")
        ws.append([r.get(f) or "" for f, _ in XLSX_COLUMNS])
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return len(rows)


# ---- lrmx -------------------------------------------------------------------

# lrmx element -> cadre field
LRMX_FIELDS = [
    ("XingMing", "name"), ("XingBie", "sex"), ("ChuShengNianYue", "birth_date"), ("MinZu", "ethnicity"),
    ("JiGuan", "native_place"), ("ChuShengDi", "birth_place"), ("RuDangShiJian", "party_join_date"),
    ("CanJiaGongZuoShiJian", "work_start_date"), ("ZhengZhiMianMao", "political_status"),
    ("ZhuanYeJiShuZhiWu", "specialty"),
    ("QuanRiZhiJiaoYu_XueLi", "edu_fulltime"), ("QuanRiZhiJiaoYu_XueWei", "degree_fulltime"),
    ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "school_fulltime"),
    ("ZaiZhiJiaoYu_XueLi", "edu_inservice"), ("ZaiZhiJiaoYu_XueWei", "degree_inservice"),
    ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "school_inservice"),
    ("XianRenZhiWu", "current_post_text"), ("NiRenZhiWu", "proposed_post"), ("NiMianZhiWu", "removed_post"),
    ("JianLi", "resume"), ("JiangChengQingKuang", "rewards"), ("NianDuKaoHeJieGuo", "annual_assessments"),
    ("ShenFenZheng", "id_number"),
]
LRMX_DATE_FIELDS = {"birth_date", "party_join_date", "work_start_date"}
FAMILY_FIELDS = [("ChengWei", "relation"), ("XingMing", "name"), ("ChuShengRiQi", "birth"),
                 ("ZhengZhiMianMao", "political_status"), ("GongZuoDanWeiJiZhiWu", "work")]


def _yyyymm(value: str | None) -> str:
    """'1975-03-12' / '1975-03' → '197503' (the form's own month format)."""
    return (value or "").replace("-", "")[:6]


def cadre_to_lrmx(cadre: dict) -> bytes:
    """One cadre as an .lrmx document (UTF-8 XML, root <Person>)."""
    root = ET.Element("Person")
    for tag, f in LRMX_FIELDS:
        value = cadre.get(f) or ""
        if f in LRMX_DATE_FIELDS:
            value = _yyyymm(value)
        ET.SubElement(root, tag).text = value
    family = cadre.get("family") or []
    if isinstance(family, str):
        import json

        family = json.loads(family) if family else []
    fam = ET.SubElement(root, "JiaTingChengYuan")
    for member in family:
        item = ET.SubElement(fam, "Item")
        for tag, f in FAMILY_FIELDS:
            ET.SubElement(item, tag).text = member.get(f) or ""
    photo = cadre.get("photo")
    ET.SubElement(root, "ZhaoPian").text = base64.b64encode(photo).decode("ascii") if photo else ""
    ET.SubElement(root, "TianBiaoShiJian").text = dt.date.today().strftime("%Y%m%d")
    ET.SubElement(root, "Version").text = "3.2.1.16"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parse_lrmx(data: bytes, name: str = "文件") -> dict:
    """Read an .lrmx document into cadre fields (family as a list, photo as bytes).
    Raises ValidationError for a file that is not an .lrmx form."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(name, "文件超过 50 MB。")
    if b"<!ENTITY" in data[:4096]:
        raise ValidationError(name, "文件含有实体声明，不是正常的干部任免审批表。")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ValidationError(name, f"不是 .lrmx 干部任免审批表（XML 格式错误：{e}）。") from None
    if root.tag != "Person":
        raise ValidationError(name, f"不是 .lrmx 干部任免审批表（根元素应为 <Person>，实为 <{root.tag}>）。")
    values: dict = {}
    for tag, f in LRMX_FIELDS:
        el = root.find(tag)
        text = (el.text or "").strip() if el is not None else ""
        if text:
            values[f] = text
    values["family"] = [{f: (item.findtext(tag) or "").strip() for tag, f in FAMILY_FIELDS}
                        for item in root.findall("JiaTingChengYuan/Item")]
    photo = (root.findtext("ZhaoPian") or "").strip()
    if photo:
        try:
            values["photo"] = base64.b64decode(photo, validate=False)
        except (ValueError, TypeError):
            raise ValidationError(f"{name} 照片", "不是有效的 base64 图片数据。") from None
    return values


def import_lrmx_files(db, actor, paths, progress=None) -> ImportResult:
    """Import .lrmx files (one cadre each). A bad file is listed and skipped;
    the others import. One transaction."""
    require(actor, roster.WRITE)
    result = ImportResult()
    by_id = {r[0]: r[1] for r in db.execute("SELECT id_number, uuid FROM cadres WHERE deleted = 0 AND id_number IS NOT NULL")}
    paths = [Path(p) for p in paths]
    with db.atomic():
        for k, path in enumerate(paths):
            if progress:
                progress(k, len(paths), path.name)
            try:
                if path.suffix.lower() != ".lrmx":
                    raise ValidationError(path.name, "不是 .lrmx 文件。")
                values = parse_lrmx(path.read_bytes(), path.name)
                with db.atomic():
                    try:
                        clean = roster.validate_cadre(values)
                    except ValidationError as e:
                        raise ValidationError(path.name, e.message) from None
                    existing = by_id.get(clean.get("id_number"))
                    if existing:
                        records.update(db, "cadres", existing, clean, actor)
                        result.updated += 1
                    else:
                        uuid = records.insert(db, "cadres", clean, actor)
                        if clean.get("id_number"):
                            by_id[clean["id_number"]] = uuid
                        result.added += 1
            except ValidationError as e:
                result.errors.append((path.name, f"{e.field}：{e.bare_message}" if e.field and e.field != path.name
                                      else e.bare_message))
            except OSError as e:
                result.errors.append((path.name, f"无法读取：{e.strerror or e}"))
    return result


def export_lrmx(db, folder, township_code: str | None = None, include_left: bool = False, progress=None) -> list[Path]:
    """Write one .lrmx per cadre into `folder` (name_身份证后4位.lrmx). Returns the files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = export_rows(db, township_code, include_left)
    out = []
    for k, r in enumerate(rows):
        if progress and k % 100 == 0:
            progress(k, len(rows), r["name"])
        if not r.get("current_post_text"):
            r["current_post_text"] = r.get("posts") or ""
        suffix = (r.get("id_number") or r["uuid"])[-4:]
        path = folder / f"{r['name']}_{suffix}.lrmx"
        path.write_bytes(cadre_to_lrmx(r))
        out.append(path)
    return out


def import_files(db, actor, paths, mapping: dict[int, str] | None = None, progress=None) -> ImportResult:
    """Import a mix of .xlsx and .lrmx files (the CLI's `roster import FILE...`)."""
    total = ImportResult()
    lrmx = [p for p in map(Path, paths) if p.suffix.lower() == ".lrmx"]
    others = [p for p in map(Path, paths) if p.suffix.lower() != ".lrmx"]
    for path in others:
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            total.errors.append((path.name, "文件类型不对：只能导入 .xlsx 表格或 .lrmx 干部任免审批表。"))
            continue
        try:
            r = import_xlsx(db, actor, path, mapping, progress)
        except AppError as e:
            total.errors.append((path.name, e.message))
            continue
        total.added += r.added
        total.updated += r.updated
        total.errors += [(f"{path.name} {w}", m) for w, m in r.errors]
    if lrmx:
        r = import_lrmx_files(db, actor, lrmx, progress)
        total.added += r.added
        total.updated += r.updated
        total.errors += r.errors
    return total
