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


def test_pinyin_character_by_character_equals_lazy_pinyin():
    """search._syllables builds a name's reading from each character's when no
    two neighbouring characters begin a phrase word; it must give exactly what
    lazy_pinyin gives (the index holds these keys, and a contentless row is
    removed only with the same document). Names that hit phrase words (重庆,
    长城, 朝阳, 单于 …), polyphonic surnames, other scripts and mixed runs."""
    from pypinyin import lazy_pinyin

    rng = random.Random(17)
    surnames = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
                "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解查仇区朴繁")
    given = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国庆长城朝阳重行乐和都会弹调觉藏率"
    names = ["重庆", "长城", "朝阳", "单于", "尉迟恭", "长孙无忌", "曾国藩", "万俟", "银行", "行长", "王 小明", "李A", "Tom",
             "阿卜杜拉·买买提", "李２号", "", "〇", "张三丰", "乐乐", "朴槿惠", "覃重阳", "查理"]
    names += [rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(1, 3))) for _ in range(5000)]
    split: object = list
    for name in names:
        expected = [p.lower() for p in lazy_pinyin(name, errors=split) if p]
        assert search._syllables(name) == expected, name
