import datetime as dt

import pytest

from models.core.errors import ValidationError
from models.core.personal import (check_text, find_private_numbers, mask_id, mask_name, mask_phone, parse_date,
                             sex_from_id, validate_id_number, validate_phone, birth_date_from_id)

GOOD_ID = "11010519491231002X"


def test_good_id():
    assert validate_id_number(GOOD_ID.lower()) == GOOD_ID
    assert birth_date_from_id(GOOD_ID) == dt.date(1949, 12, 31)
    assert sex_from_id(GOOD_ID) == "女"


@pytest.mark.parametrize("bad,fragment", [
    ("110105194912310021", "校验码"),
    ("1101051949123100", "18 位"),
    ("11010519491331002X", "出生日期"),
    ("", "不能为空"),
    ("11010519491231002Y", "格式"),
])
def test_bad_ids(bad, fragment):
    with pytest.raises(ValidationError, match=fragment):
        validate_id_number(bad)


def test_masks():
    assert mask_id(GOOD_ID) == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳**"


def test_phone():
    assert validate_phone("0571-63712345") == "0571-63712345"
    with pytest.raises(ValidationError, match="电话"):
        validate_phone("12345")


def test_find_private_numbers():
    assert find_private_numbers(f"x{GOOD_ID}y 13812345678") == [GOOD_ID, "13812345678"]
    assert find_private_numbers("110105********002X 138****5678") == []


def test_text_and_dates():
    with pytest.raises(ValidationError, match="控制字符"):
        check_text("a\x07b", "备注")
    with pytest.raises(ValidationError, match="不能超过"):
        check_text("字" * 10001, "备注", max_len=200)
    assert parse_date("2026/3/1", "日期") == dt.date(2026, 3, 1)
    with pytest.raises(ValidationError, match="在未来"):
        parse_date("2999-01-01", "出生日期", allow_future=False)


def test_ids_of_renamed_areas_are_valid():
    """330185 (临安市, now 临安区) keeps issuing valid numbers; python-stdnum's
    dated area table must not reject them."""
    from stdnum.cn import ric

    for base in ("33018519800101001", "33010619800101002"):
        number = base + ric.calc_check_digit(base + "0")
        assert validate_id_number(number) == number
