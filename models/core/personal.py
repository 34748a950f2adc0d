"""Personal data: resident ID numbers (GB 11643-1999), phones, names — checked
on the way in and masked on the way out to anything public."""

from __future__ import annotations

import datetime as dt
import re


from models.core.errors import ValidationError

MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?")

# Shapes of private numbers as they turn up in typed or pasted text, whatever
# their checksum or area code: full-width digits (as Chinese input methods
# produce), a space or dash between the groups, +86 / 0086 in front.
_D = r"[0-9\uff10-\uff19]"  # one digit, half or full width
_X = r"[0-9\uff10-\uff19Xx\uff38\uff58]"  # the check character
_SEP = r"[ \u3000\-\u2010-\u2015\uff0d]?"  # one optional space or dash between groups
_NOT_AFTER_ID = r"(?![0-9\uff10-\uff19Xx\uff38\uff58])(?![ \-\uff0d][0-9\uff10-\uff19])"
ID_LIKE_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?<![0-9\uff10-\uff19][ \-\uff0d])(?:"
    rf"{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}{_X}"  # 18 characters, 6-8-4 groups allowed
    rf"|{_D}{{6}}{_SEP}{_D}{{6}}{_SEP}{_D}{{3}}"  # the old 15-digit number
    rf"){_NOT_AFTER_ID}")
MOBILE_LIKE_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19+\uff0b])"
    rf"(?:(?:[+\uff0b]|00|\uff10\uff10){_SEP}(?:86|\uff18\uff16){_SEP}|[(\uff08][+\uff0b]?86[)\uff09]{_SEP})?"
    rf"[1\uff11][3-9\uff13-\uff19]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}(?![0-9\uff10-\uff19])")
LANDLINE_LIKE_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?:[(\uff08][0\uff10]{_D}{{2,3}}[)\uff09]{_SEP}|[0\uff10]{_D}{{2,3}}{_SEP})"
    rf"{_D}{{3,4}}{_SEP}{_D}{{4}}(?:(?:-|转|ext\.?){_D}{{1,6}})?(?![0-9\uff10-\uff19])")
_FULL_WIDTH = str.maketrans("\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff38\uff58\uff0b",
                            "0123456789XX+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")
_CONTROL_MULTILINE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # tab and line feed allowed
_SUSPECT_RE = re.compile("[\ud800-\udfff\x00-\x1f\x7f]")  # either of the above


def validate_id_number(value: str, field: str = "身份证号", today: dt.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise ValidationError.

    Checks the format, the birth date and the ISO 7064 MOD 11-2 check
    character. The area code is not looked up: python-stdnum's table of areas
    is dated, and numbers issued under since-renamed areas are still valid.
    """
    value = (value or "").strip().upper().replace(" ", "")
    if not value:
        raise ValidationError(field, "不能为空。")
    if len(value) != 18:
        raise ValidationError(field, f"应为 18 位，现为 {len(value)} 位（15 位旧号码请换成 18 位）。")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        raise ValidationError(field, "格式不正确：应为 17 位数字加 1 位数字或 X。")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(field, f"出生日期部分“{value[6:14]}”不是有效日期。") from None
    if birth.year < 1900:
        raise ValidationError(field, f"出生日期部分“{value[6:14]}”早于 1900 年。")
    from stdnum.cn import ric  # imported here: costs ~0.1 s at start-up otherwise

    if ric.calc_check_digit(value) != value[17]:  # takes the whole number, ignores its last character
        raise ValidationError(field, "校验码错误（最后一位不对），请核对号码。")
    if birth > (today or dt.date.today()):
        raise ValidationError(field, "出生日期在未来。")
    return value


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value, today=dt.date.max)
    except ValidationError:
        return False
    return True


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def sex_from_id(value: str) -> str:
    """'男' when the sequence digit (17th) is odd, else '女'."""
    return "男" if int(value[16]) % 2 == 1 else "女"


def validate_phone(value: str | None, field: str = "电话", required: bool = False) -> str:
    value = (value or "").strip().replace(" ", "")
    if not value:
        if required:
            raise ValidationError(field, "不能为空。")
        return ""
    if MOBILE_RE.fullmatch(value) or LANDLINE_RE.fullmatch(value):
        return value
    raise ValidationError(field, "格式不正确：手机号为 11 位（1 开头），座机如 0571-12345678。")


# What mask_id and mask_phone write (and what a clerk's own masking looks like): an export
# read back is recognised by these, so a masked value never replaces the stored number.
MASKED_ID_RE = re.compile(r"\d{6}\*{4,}[0-9]{3}[0-9Xx]|\*{6,}[0-9]{3}[0-9Xx]|\d{6}\*{8,}")


def looks_masked_id(value) -> bool:
    return isinstance(value, str) and MASKED_ID_RE.fullmatch(value.strip()) is not None


def looks_masked_phone(value) -> bool:
    return isinstance(value, str) and "*" in value  # no phone number holds one


def mask_id(value: str | None) -> str:
    """First 6 and last 4 kept: 330106********1234 (full-width digits and
    separators normalised first)."""
    if not value:
        return ""
    value = _normalise_number(value)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles (+86 kept in front); landlines keep area code and last 2."""
    if not value:
        return ""
    plain = _normalise_number(value)
    prefix = ""
    m = re.fullmatch(r"(\+?86|0086|\(\+?86\))(1[3-9]\d{9})", plain)
    if m:
        prefix, plain = "+86 ", m.group(2)
    if MOBILE_RE.fullmatch(plain):
        return prefix + plain[:3] + "****" + plain[-4:]
    if re.fullmatch(r"0\d{9,11}", plain.split("转")[0].split("EXT")[0]):
        area = 3 if plain[1] in "12" else 4  # 010, 02x: three digits; the rest four
        return plain[:area] + "-****" + plain[-2:]
    value = value.strip().translate(_FULL_WIDTH)
    if len(value) > 4:
        return value[:-4].rsplit("-", 1)[0] + "-****" + value[-2:] if "-" in value else value[:3] + "****" + value[-2:]
    return "*" * len(value)


def _normalise_number(value: str) -> str:
    """Half-width digits, upper-case X, no spaces, dashes or brackets."""
    return re.sub(r"[\s\-\u2010-\u2015\uff0d()\uff08\uff09]", "", value.translate(_FULL_WIDTH)).upper()


def mask_private_numbers(text: str, public_numbers=(), landlines: bool = False) -> str:
    """Mask everything in `text` shaped like an ID number or a mobile number
    (by shape, not validity: a mistyped check digit or an area code missing
    from any table is still someone's number), and with `landlines` every
    landline that is not one of `public_numbers` (the office's published phones)."""
    text = ID_LIKE_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = MOBILE_LIKE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    if landlines:
        allowed = {_normalise_number(str(n)) for n in public_numbers if n}
        text = LANDLINE_LIKE_RE.sub(
            lambda m: m.group(0) if _normalise_number(m.group(0)) in allowed else mask_phone(m.group(0)), text)
    return text


def mask_name(name: str | None, style: str = "given") -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳** ('given'); 'middle' keeps first and last: 张*丰."""
    if not name:
        return ""
    name = name.strip()
    surname_len = 2 if len(name) >= 4 else 1
    if style == "middle" and len(name) >= 3:
        return name[0] + "*" * (len(name) - 2) + name[-1]
    return name[:surname_len] + "*" * (len(name) - surname_len)


def find_private_numbers(text: str) -> list[str]:
    """Runs of `text` shaped like a full ID number or mobile number (for privacy checks)."""
    return ID_LIKE_RE.findall(text) + [m.group(0) for m in MOBILE_LIKE_RE.finditer(text)]


def check_text(value, field: str, max_len: int = 200, required: bool = False, multiline: bool = False) -> str:
    """Common text field check: trims, refuses control characters and oversize."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if required and not value:
        raise ValidationError(field, "不能为空。")
    if len(value) > max_len:
        raise ValidationError(field, f"不能超过 {max_len} 个字（现有 {len(value)} 个）。")
    if not _SUSPECT_RE.search(value):
        return value  # the usual text: one scan instead of the two below
    if _SURROGATE_RE.search(value):
        # Half an emoji pasted from a broken file: SQLite cannot store it.
        raise ValidationError(field, "包含无法保存的残缺字符（可能是复制时损坏的表情符号），请重新输入。")
    # one regular-expression scan instead of a Python loop per character (imports check millions of cells)
    if (_CONTROL_MULTILINE_RE if multiline else _CONTROL_RE).search(value):
        raise ValidationError(field, "包含不可见的控制字符，请重新输入。")
    return value


_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_DATE_DIGITS_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Text → date of the texts parsed (a few hundred distinct dates fill a 100,000-row
# import); only the parse is remembered, the checks below run every time.
_PARSED_DATES: dict[str, dt.date] = {}


def parse_date(value, field: str, allow_future: bool = True, today: dt.date | None = None) -> dt.date | None:
    """Accept a date, 'YYYY-MM-DD', 'YYYY/MM/DD', 'YYYY.MM.DD' or 'YYYYMMDD'; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    else:
        s = str(value).strip()
        known = _PARSED_DATES.get(s)
        if known is not None:
            d = known
        else:
            m = _DATE_RE.fullmatch(s) or _DATE_DIGITS_RE.fullmatch(s)
            if not m:
                raise ValidationError(field, f"“{s[:20]}”不是有效日期，应写成 2026-03-01。")
            try:
                d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise ValidationError(field, f"“{s}”不是有效日期。") from None
            if len(_PARSED_DATES) < 20_000:
                _PARSED_DATES[s] = d
    if d.year < 1900:
        raise ValidationError(field, "年份早于 1900 年。")
    if not allow_future and d > (today or dt.date.today()):
        raise ValidationError(field, f"{d.isoformat()} 在未来。")
    return d


def require_date(value, field: str, allow_future: bool = True, today: dt.date | None = None) -> dt.date:
    """parse_date for a date that must be given: empty is refused naming the field."""
    d = parse_date(value, field, allow_future=allow_future, today=today)
    if d is None:
        raise ValidationError(field, "不能为空。")
    return d
