"""The ticket search index: one FTS5 table answers everything a clerk types
into the search box, at every length, without a scan of the tickets.

The index is contentless (it keeps no copy of the text) and its documents are
made here, in Python, from a ticket's fields:

- ``uni``: each distinct character of the applicant's name, village and
  request (one-character queries: a surname, 王);
- ``bi``: the overlapping character pairs of each run of letters and digits,
  in order, a separator token between runs (two characters are one token;
  three or more are a phrase of consecutive pairs, which matches exactly that
  substring: "上门办" is "上门 门办" at adjacent positions);
- ``keys``: namespaced whole-value tokens of three or more characters, so they
  never collide with a pair: pinyin initials and full pinyin of the applicant
  (``py``/``pf``), the phone and its last four digits (``tel``/``tt``), the ID
  number with its last four and six (``id``/``it``/``is``), the ticket number
  (``no``) and the township (``tw``, so a county's township filter stays inside
  the index and counts need no row look-ups).

Deleted tickets leave the index (the queue triggers in models/service/schema.py
queue them out), so counting a search is counting the index alone.

A contentless FTS5 row is removed by giving back exactly the document it was
indexed with, which is why `document()` must stay deterministic; if pypinyin
changes its readings, `rebuild()` makes the index again from the tickets.
"""

from __future__ import annotations

import re
import unicodedata
from operator import add as _add
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database

TABLE = "tickets_fts_words"
# Between runs of letters/digits: keeps "ab，bc" from matching the phrase "abc".
RUN_BREAK = "zq0"
RUN = re.compile(r"[^\W_]+")
TICKET_NO = re.compile(r"\d{4}-\d{1,6}")
DIGITS_ONLY = re.compile(r"[\d\s\-]+")
ID_LIKE = re.compile(r"\d{3,17}[\dx]")
# Columns the queue carries (models/service/schema.py m006), in document() order.
FIELDS = ("applicant_name", "request_text", "applicant_village", "applicant_phone", "applicant_id_number",
          "ticket_no", "township_code")


_normalize = unicodedata.normalize
_NON_DIGIT = re.compile(r"\D")
_NON_ID = re.compile(r"[^0-9x]")


def _norm(text) -> str:
    # Full-width digits and letters (１３８, ＡＢ) are the same as half-width ones.
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=65536)
def _pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name; names repeat, so cached."""
    syllables = _syllables(name)
    full = re.sub(r"[^0-9a-z]", "", "".join(syllables))
    initials = re.sub(r"[^0-9a-z]", "", "".join(s[0] for s in syllables))
    return full, initials


def _syllables(name: str) -> list[str]:
    """[p.lower() for p in lazy_pinyin(name, errors=list) if p] — as the
    roster's pinyin_keys: a non-Chinese run becomes one syllable per character.

    A name of Chinese characters of which no two neighbours begin a word of
    pypinyin's phrase dictionary is read character by character by
    lazy_pinyin (its segmenter only joins characters into dictionary words),
    so it is put together from each character's own reading, cached: a
    100,000-row import meets 26,000 distinct names but a few thousand
    characters, and lazy_pinyin costs ~40 µs a name (tests/test_search_document.py
    compares the two on every name of the bench ledger and on made-up ones)."""
    starts, hans = _phrase_starts()
    if hans.match(name) and not any(name[i:i + 2] in starts for i in range(len(name) - 1)):
        return [p for c in name for p in _char_syllables(c)]
    return _lazy_syllables(name)


@lru_cache(maxsize=None)
def _phrase_starts():
    """(the prefixes of pypinyin's phrase words, its pattern of a run of characters with a reading)."""
    from pypinyin.constants import RE_HANS
    from pypinyin.seg.mmseg import p_set

    return p_set, RE_HANS


@lru_cache(maxsize=None)
def _char_syllables(char: str) -> tuple[str, ...]:
    return tuple(_lazy_syllables(char))


def _lazy_syllables(name: str) -> list[str]:
    from pypinyin import lazy_pinyin

    split_chars: Any = list  # pypinyin accepts a list back from `errors`, although its annotation says str
    return [p.lower() for p in lazy_pinyin(name, errors=split_chars) if p]


# Full-width letters, digits and punctuation (ＡＢ１２，。…) and the ideographic
# space, as NFKC writes them. NFKC of a text depends only on its compatibility
# decomposition, which is the same after a character is replaced by its own NFKC
# form; so NFKC(text.translate(_FULL_WIDTH)) == NFKC(text), and Chinese text that
# holds nothing else to normalize (most of it: its punctuation is full width)
# passes normalize's quick check instead of a full decomposition (5 µs a request).
_FULL_WIDTH = {c: unicodedata.normalize("NFKC", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000)}


def _nfkc_lower(text: str) -> str:
    return _normalize("NFKC", text.translate(_FULL_WIDTH)).lower()


def _text_part(text: str) -> tuple[str, str]:
    """(the letters and digits of `text`, its pairs with a break after each run)
    — one text's share of a document's ``uni`` and ``bi``."""
    runs = RUN.findall(_nfkc_lower(text))
    pairs: list[str] = []
    for run in runs:
        pairs += map(_add, run, run[1:])  # the overlapping pairs: "上门办" → 上门, 门办
        pairs.append(RUN_BREAK)
    return "".join(runs), " ".join(pairs)


# Names and villages repeat (a township has a few dozen villages, a name comes
# back with each of its holder's tickets): their share is kept, request texts
# are mostly new and are made each time. Entries are tuples of str, which the
# garbage collector stops tracking, so a full cache costs no collection time.
_village_part = lru_cache(maxsize=4096)(_text_part)


@lru_cache(maxsize=65536)
def _name_part(applicant_name: str) -> tuple[str, str, str]:
    """(letters and digits, pairs, pinyin keys) of an applicant's name."""
    chars, pairs = _text_part(applicant_name)
    name = _nfkc_lower(applicant_name).strip()
    keys = ""
    if name:
        full, initials = _pinyin.__wrapped__(name)  # this cache holds the result: not twice
        if initials:
            keys = f"py{initials} pf{full}"
    return chars, pairs, keys


@lru_cache(maxsize=1024)
def _township_key(township_code: str) -> str:
    return "tw" + _norm(township_code)


def _plain_digits(text: str) -> bool:
    # ASCII 0-9 only: NFKC, lower() and removing non-digits all leave it as it is.
    return text.isascii() and text.isdecimal()


def document(applicant_name, request_text, applicant_village, applicant_phone, applicant_id_number,
             ticket_no, township_code) -> tuple[str, str, str]:
    """The (uni, bi, keys) texts indexed for one ticket. (Written for speed: a
    100,000-ticket import makes 100,000 of them; tests/test_search_document.py
    holds the plain version it must equal, since a contentless row is removed
    only by giving back the very document it was indexed with.)"""
    name_chars, name_pairs, keys_of_name = _name_part(applicant_name) if applicant_name else ("", "", "")
    village_chars, village_pairs = _village_part(applicant_village) if applicant_village else ("", "")
    request_chars, request_pairs = _text_part(request_text) if request_text else ("", "")
    keys = [keys_of_name] if keys_of_name else []
    if applicant_phone:
        phone = applicant_phone if _plain_digits(applicant_phone) else _NON_DIGIT.sub("", _nfkc_lower(applicant_phone))
        if phone:
            keys += ["tel" + phone, "tt" + phone[-4:]]
    if applicant_id_number:
        id_number = (applicant_id_number if _plain_digits(applicant_id_number)
                     else _NON_ID.sub("", _nfkc_lower(applicant_id_number)))
        if id_number:
            keys += ["id" + id_number, "it" + id_number[-4:], "is" + id_number[-6:]]
    if ticket_no:
        number = ticket_no.replace("-", "")
        if not _plain_digits(number):
            number = _NON_DIGIT.sub("", ticket_no)
        if number:
            keys.append("no" + number)
    if township_code:
        keys.append(_township_key(township_code))
    pairs = [p for p in (name_pairs, village_pairs, request_pairs) if p]
    return (" ".join(sorted(set(name_chars + village_chars + request_chars))), " ".join(pairs), " ".join(keys))


def township_term(code: str) -> str:
    return f'keys : "tw{_norm(code)}"'


def _term_expression(term: str) -> str | None:
    """The FTS5 expression for one word of the query (None: nothing searchable in it)."""
    if TICKET_NO.fullmatch(term):
        return f'keys : "no{term.replace("-", "")}" *'
    options = []
    if DIGITS_ONLY.fullmatch(term) and len(re.sub(r"\D", "", term)) >= 3:
        digits = re.sub(r"\D", "", term)
        options += [f'keys : "tel{digits}" *', f'keys : "id{digits}" *']
        if len(digits) == 4:
            options += [f'keys : "tt{digits}"', f'keys : "it{digits}"']
        if len(digits) == 6:
            options.append(f'keys : "is{digits}"')
        term = digits
    elif ID_LIKE.fullmatch(term):  # an ID number or tail ending in X
        options += [f'keys : "id{term}" *', f'keys : "is{term}"' if len(term) == 6 else f'keys : "it{term}"']
    runs = RUN.findall(term)
    if len(runs) == 1 and runs[0].isascii() and runs[0].isalpha():
        options += [f'keys : "py{runs[0]}" *', f'keys : "pf{runs[0]}" *']
    text = []
    for run in runs:
        if len(run) == 1:
            text.append(f'uni : "{run}"')
        else:
            text.append('bi : "' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"')
    if text:
        options.append(" AND ".join(text) if len(text) == 1 else "(" + " AND ".join(text) + ")")
    if not options:
        return None
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for what was typed: every word must match
    (name, village or request text at any length, pinyin initials or full
    pinyin, phone or its tail, ID number or its tail, ticket number); None when
    the query holds nothing searchable (only punctuation)."""
    query = _norm(query).strip()
    # A phone typed in groups (138 1234 5678) is one number, not three words.
    words = [query] if DIGITS_ONLY.fullmatch(query) else query.split()
    parts = [e for e in (_term_expression(w) for w in words) if e]
    if not parts:
        return None
    return " AND ".join(parts)


# ---- keeping the index --------------------------------------------------------

def add(db: Database, row_id: int, values) -> None:
    db.execute(f"INSERT INTO {TABLE} (rowid, uni, bi, keys) VALUES (?, ?, ?, ?)", [row_id, *document(*values)])


def remove(db: Database, row_id: int, values) -> None:
    db.execute(f"INSERT INTO {TABLE} ({TABLE}, rowid, uni, bi, keys) VALUES ('delete', ?, ?, ?, ?)",
               [row_id, *document(*values)])


INDEXING_TEXT = "正在建立搜索索引…"


def index_from(db: Database, first_id: int, progress=None) -> int:
    """Index the live tickets with id >= first_id (bulk inserts, which switch
    the queue off). Returns how many were indexed. progress(done, total, text),
    by id, after each chunk (and it may raise to stop: the caller rolls back)."""
    last_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] if progress else 0
    cur = db.execute(f"SELECT id, {', '.join(FIELDS)} FROM tickets WHERE id >= ? AND deleted = 0", [first_id])
    count = 0
    while rows := cur.fetchmany(5000):  # in chunks: an import of 100,000 tickets is not held whole
        db.conn.executemany(f"INSERT INTO {TABLE} (rowid, uni, bi, keys) VALUES (?, ?, ?, ?)",
                            [(r[0], *document(*r[1:])) for r in rows])
        count += len(rows)
        if progress:
            progress(rows[-1][0] - first_id + 1, last_id - first_id + 1, INDEXING_TEXT)
    return count


_QUEUE_ON_INSERT = "tickets_fts_ai"


@contextmanager
def indexed_in_bulk(db: Database, progress=None):
    """Inside the caller's transaction: tickets inserted in the block are not
    queued one by one but indexed in one statement at the end (index_from).
    The queue's insert trigger is also dropped for the block and created
    again in the same transaction (a rollback restores it): even switched off
    by the control row, an AFTER INSERT trigger made each insert several times
    slower. Only inserts may happen in the block."""
    if not db.conn.in_transaction:
        raise RuntimeError("indexed_in_bulk needs an open transaction")
    first_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
    trigger_sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                             [_QUEUE_ON_INSERT]).fetchone()[0]
    db.execute("UPDATE tickets_fts_control SET direct = 1 WHERE id = 1")
    db.execute(f"DROP TRIGGER {_QUEUE_ON_INSERT}")
    yield
    db.execute(trigger_sql)
    db.execute("UPDATE tickets_fts_control SET direct = 0 WHERE id = 1")
    index_from(db, first_id, progress)


def rebuild(db: Database) -> int:
    """Make the index again from the tickets (inside the caller's transaction)."""
    db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")
    db.execute("DELETE FROM tickets_fts_pending")
    return index_from(db, 0)
