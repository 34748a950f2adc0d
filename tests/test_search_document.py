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


def test_full_width_forms_translated_first_normalize_as_nfkc_does():
    """search._nfkc_lower replaces full-width forms by their NFKC form before
    normalizing (Chinese punctuation then passes normalize's quick check); the
    result must be NFKC's, also where a full-width letter is followed by a
    combining mark or sits among other compatibility characters."""
    rng = random.Random(22)
    full_width = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
    others = ["\u0301", "\u0308", "\u3099", "ｶ", "ﾞ", "①", "ﬁ", "㈠", "Ⅻ", "e", "A", "上", "门", "，", "。", "ﾟ", "\u1100",
              "\u1161", "가", "̸", "<", "=", " ", "x"]
    texts = ["".join(full_width)] + [c + m for c in full_width for m in ("\u0301", "\u0338", "\u3099")]
    texts += ["".join(rng.choice(full_width + others) for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    for text in texts:
        assert search._nfkc_lower(text) == _norm(text), ascii(text)


def test_document_equals_the_plain_version_on_ledger_like_tickets():
    """Rows as a township holds them, names and villages repeating (their
    parts are cached), phone and ID numbers in every form the fast paths skip
    or take, and the same ticket asked again after its parts are cached."""
    rng = random.Random(23)
    names = ["张三", "王小明", "欧阳娜娜", "Tom Lee", "李Ａ", " 赵 四 ", "重庆", "单于", ""]
    villages = ["东村", "石桥村", "红旗村（一组）", "", None]
    phones = ["13800138000", "１３８００１３８０００", "138-0013-8000", " 13800138000 ", "0571-8888", "", None, "²³",
              "١٢٣٤٥"]
    ids = ["330106198503071234", "33010619850307123X", "33010619850307123x", "３３０１０６", "330106*******1234", "", None]
    numbers = ["2026-000123", "2026000123", "２０２６-０００１２３", "2026-00012F", "-", "", None]
    cases = []
    for i in range(4000):
        cases.append((rng.choice(names), rng.choice(["上门办理低保", "咨询：宅基地审批，需要什么材料？", "", None,
                                                      f"第{i}号请求 abc-12"]),
                      rng.choice(villages), rng.choice(phones), rng.choice(ids), rng.choice(numbers),
                      rng.choice(["330106001", "３３０１０６００２", "", None])))
    for case in cases + cases[:200]:
        assert search.document(*case) == plain_document(*case), case
