"""Personal data: resident ID numbers (GB 11643-1999), phones, names — checked
on the way in and masked on the way out to anything public."""

from __future__ import annotations

import datetime as dt
import re


from models.core.errors import ValidationError

MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE_RE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?")
ID_LIKE_RE = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])")
MOBILE_LIKE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


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


def mask_id(value: str | None) -> str:
    """First 6 and last 4 kept: 330106********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep area code and last 2."""
    if not value:
        return ""
    if MOBILE_RE.fullmatch(value):
        return value[:3] + "****" + value[-4:]
    if len(value) > 4:
        return value[:-4].rsplit("-", 1)[0] + "-****" + value[-2:] if "-" in value else value[:3] + "****" + value[-2:]
    return "*" * len(value)


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
    """Full ID numbers or mobile numbers appearing in text (for privacy checks)."""
    found = [m for m in ID_LIKE_RE.findall(text) if is_valid_id_number(m)]
    found += MOBILE_LIKE_RE.findall(text)
    return found


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
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        # Half an emoji pasted from a broken file: SQLite cannot store it.
        raise ValidationError(field, "包含无法保存的残缺字符（可能是复制时损坏的表情符号），请重新输入。")
    allowed = {"\n", "\t"} if multiline else set()
    if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value):
        raise ValidationError(field, "包含不可见的控制字符，请重新输入。")
    return value


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
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
        if not m:
            raise ValidationError(field, f"“{s[:20]}”不是有效日期，应写成 2026-03-01。")
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValidationError(field, f"“{s}”不是有效日期。") from None
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
