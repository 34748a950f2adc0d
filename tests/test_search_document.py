"""search.document is written for speed; it must give exactly the document
the plain version below gives (a contentless FTS5 row is removed only by
giving back the document it was indexed with, so tickets indexed before
must still leave the index)."""

import random
import re
import unicodedata

from models.service import search


def _norm(text) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def plain_document(applicant_name, request_text, applicant_village, applicant_phone, applicant_id_number,
                   ticket_no, township_code):
    chars: set[str] = set()
    pairs: list[str] = []
    for text in (applicant_name, applicant_village, request_text):
        for run in search.RUN.findall(_norm(text)):
            chars.update(run)
            if len(run) > 1:
                pairs.extend(run[i:i + 2] for i in range(len(run) - 1))
            pairs.append(search.RUN_BREAK)
    keys = []
    name = _norm(applicant_name).strip()
    if name:
        full, initials = search._pinyin(name)
        if initials:
            keys += ["py" + initials, "pf" + full]
    phone = re.sub(r"\D", "", _norm(applicant_phone))
    if phone:
        keys += ["tel" + phone, "tt" + phone[-4:]]
    id_number = re.sub(r"[^0-9x]", "", _norm(applicant_id_number))
    if id_number:
        keys += ["id" + id_number, "it" + id_number[-4:], "is" + id_number[-6:]]
    number = re.sub(r"\D", "", ticket_no or "")
    if number:
        keys.append("no" + number)
    if township_code:
        keys.append("tw" + _norm(township_code))
    return " ".join(sorted(chars)), " ".join(pairs), " ".join(keys)


PIECES = ["张三", "王 小明", "Ａｂ１２", "李-四", "", " ", "上门办理低保", "a", "X", "１３８ ００１３ ８０００",
          "330106198503071234", "33010619850307123x", "２０２６-０００１２３", "，。！", "_下划线_", "é", "ß",
          "\u3000全角空格", "mixed中文English123", "〇一二", "Ⅻ", "①②", "\t换\n行", "330106"]


def test_document_equals_the_plain_version():
    rng = random.Random(17)
    cases = [(None,) * 7, ("",) * 7, ("张三", "诉求", "东村", "13800138000", "", "2026-000001", "330106001")]
    for _ in range(3000):
        cases.append(tuple(rng.choice([None, *PIECES]) if rng.random() < 0.2 else
                           "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4))) for _ in range(7)))
    for case in cases:
        assert search.document(*case) == plain_document(*case), case
