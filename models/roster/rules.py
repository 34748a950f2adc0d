"""Rule checks of the leadership team, each naming the field report it comes from.

The team's shape (seats, deputy-secretary roles, the committee mix, the 纪委书记
rule), the nominee age limits and the woman rule differ from county to county,
so they are settings, with the two shapes the field reports describe as
presets: seed 000 (a 7/9/11-seat county, 湖北) and seed 002 (咸安区, 9 seats); users read the reports by
their titles (models/roster/sources.py), never by seed number.
`eligibility_rules(db)` is the ONE eligibility configuration: the roster's
nominee check and the election's nominee check both read it.

`check(db, township_code)` returns findings as dicts (level, code, source,
message); `check_findings(db)` is the hook `main.py check` calls.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import permutations

from models.core import settings
from models.core.errors import ValidationError
from models.roster import team as roster
from models.roster.sources import PRESET_NAMES, source_title

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

settings.register("roster.rule_preset", "000", "班子配备规则来源（在“班子配备规则”页套用）", str,
                  choices={**PRESET_NAMES, "县定": "县里下发", "自定": "自定"})
settings.register("roster.team_quota", 11, "领导班子职数（县定）", int)
settings.register("roster.team_seats_range", "7-11", "县定班子职数范围（如 7-11、9-11）", str)
settings.register("roster.deputy_secretaries", 3, "党委副书记职数", int)
settings.register("roster.deputy_roles", "镇长或常务副镇长；人大主席团主席；纪委书记",
                  "副书记须兼任的职务（“；”分人，“或”任一，“和”同时兼）", str)
settings.register("roster.secretary_is_head", False, "党委书记须兼任镇长（党政一肩挑）", bool)
settings.register("roster.committee_deputy_heads", "",
                  "委员兼副镇长人数（如 3 或 3-4；空 = 按 7/9/11 职数对照表）", str)
settings.register("roster.committee_plain", "",
                  "党委委员（不兼副镇长）人数（如 2 或 2-3；“余”= 其余职数；空 = 按对照表）", str)
settings.register("roster.new_term_discipline_separate", False,
                  "换届后纪委书记不再兼任党委副书记（是 = 检查不兼任）", bool)
settings.register("roster.age_continue_male", 57, "继续提名（留任）年龄上限·男（0 = 不限）", int)
settings.register("roster.age_continue_female", 52, "继续提名（留任）年龄上限·女（0 = 不限）", int)
settings.register("roster.age_new_male", 55, "新提名（新进）年龄上限·男（0 = 不限）", int)
settings.register("roster.age_new_female", 50, "新提名（新进）年龄上限·女（0 = 不限）", int)
settings.register("roster.age_reference_date", "", "提名年龄计算基准日（空 = 今天，如 2026-12-31）", str)
settings.register("roster.min_women", 1, "班子中女干部最少人数（0 = 不要求）", int)
settings.register("roster.keep_seat_for_woman", True, "没有女性人选时保留 1 个职位", bool)
settings.register("roster.finance_rule", "secretary", "不分管财政的领导", str,
                  choices={"secretary": "党委书记", "principals": "党委书记和镇长"})
settings.register("roster.finance_area_kinds", "财政金融",
                  "属于财政的分管领域类别（“、”分隔，类别见分管领域）", str)
settings.register("roster.max_duties", 3, "一人分工上限（超过即为过载）", int)
# Majority of those entitled to attend (应到会, seed 002) unless a county rule
# says those present; read by models.election.term.
settings.register("election.majority_of_present", False,
                  "换届：当选只须超过实到人数半数（否 = 超过应到人数半数，咸安区做法；仅县里规定时改为“是”）", bool)

# Committee members who are also deputy heads, and other committee members,
# by team size [000].
COMPOSITION = {11: (3, 4), 9: (2, 3), 7: (1, 2)}
FINANCE_RULES = {"secretary": "党委书记", "principals": "党委书记和镇长"}

# The shapes of the field reports. Applying one writes every key listed.
PRESETS: dict[str, dict] = {
    "000": {  # 湖北某市: 7–11 seats (11 with a 3-year transition), 3 deputies, 纪委书记 separate after the term change
        "label": "7–11 人班子（《党政交叉任职调研报告》）：副书记 3 人（兼镇长或常务副镇长、人大主席团主席、纪委书记），"
                 "委员兼副镇长与委员按 11:3+4、9:2+3、7:1+2",
        "roster.team_seats_range": "7-11", "roster.team_quota": 11, "roster.deputy_secretaries": 3,
        "roster.deputy_roles": "镇长或常务副镇长；人大主席团主席；纪委书记",
        "roster.secretary_is_head": False, "roster.committee_deputy_heads": "", "roster.committee_plain": "",
        "roster.new_term_discipline_separate": False,
        # age limits and the finance rule of [001] (same kind of county report)
        "roster.age_continue_male": 57, "roster.age_continue_female": 52,
        "roster.age_new_male": 55, "roster.age_new_female": 50,
        "roster.min_women": 1, "roster.keep_seat_for_woman": True, "roster.finance_rule": "secretary",
        "election.majority_of_present": False,
    },
    "002": {  # 咸安区: 9–11 seats, 书记兼镇长, 3 deputies, 3 委员兼副镇长, new entrants under 35
        "label": "9–11 人班子（咸安区做法）：书记兼镇长；副书记 3 人（兼人大主席团主席和纪委书记、兼常务副镇长、"
                 "兼政协工作）；委员兼副镇长 3–4 人；新进人选 35 岁以下，现任不限",
        "roster.team_seats_range": "9-11", "roster.team_quota": 9, "roster.deputy_secretaries": 3,
        "roster.deputy_roles": "人大主席团主席和纪委书记；常务副镇长；政协联络员",
        "roster.secretary_is_head": True, "roster.committee_deputy_heads": "3-4", "roster.committee_plain": "余",
        "roster.new_term_discipline_separate": False,
        "roster.age_continue_male": 0, "roster.age_continue_female": 0,
        "roster.age_new_male": 35, "roster.age_new_female": 35,
        "roster.min_women": 1, "roster.keep_seat_for_woman": True, "roster.finance_rule": "secretary",
        "election.majority_of_present": False,
    },
}

RULES = {
    "team_size": ("000", "班子职数按县定范围配备（有的县 7–11 人，咸安区 9–11 人）"),
    "composition": ("000", "党委副书记按县定职数配备，各兼县定职务"),
    "committee_mix": ("000", "委员兼副镇长与党委委员人数按县定配备"),
    "discipline": ("000", "换届后新当选的纪委书记不再兼任党委副书记"),
    "duty_gap": ("001", "分工不重叠、职责不交叉：每个领域有且只有一名分管领导"),
    "finance": ("001", "一把手原则上不分管财政"),
    "villages": ("000", "驻村联村：每个村都要有干部联系"),
    "women": ("002", "班子中至少有一名女干部，否则保留职位"),
    "age": ("001", "提名年龄上限按县定（有的县继续提名男 57、女 52，新提名男 55、女 50；咸安区新进 35 岁以下）"),
    "overload": ("000", "一般干部分工 2–3 项，超过即为过载"),
    "vacancy": ("001", "编制与在编：超编、缺编"),
    "settings": ("000", "班子配备规则的设置须能读懂"),
}


def _finding(level, code, message, subject=None) -> dict:
    source, rule = RULES[code]
    return {"level": level, "code": code, "source": source, "rule": rule, "message": message, "subject": subject,
            "text": f"{message}（依据{source_title(source)}）"}


# ---- the county's rule set ------------------------------------------------------

def parse_range(text, label: str, total: int | None = None) -> tuple[int, int] | None:
    """'3' → (3, 3), '3-4' → (3, 4), '' → None, '余' → (total, total) when total is given."""
    s = str(text or "").strip().replace("–", "-").replace("—", "-").replace("～", "-").replace("~", "-")
    if not s:
        return None
    if s == "余":
        if total is None:
            raise ValidationError(label, "“余”只能用于党委委员人数。")
        return (max(total, 0), max(total, 0))
    m = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", s)
    if not m:
        raise ValidationError(label, f"“{text}”看不懂：应写一个数（如 3）或范围（如 3-4）。")
    lo, hi = int(m[1]), int(m[2] or m[1])
    if hi < lo:
        raise ValidationError(label, f"“{text}”的范围前大后小。")
    return lo, hi


_ROLE_BY_TITLE = {title: key for key, title in roster.ROLES.items() if key}
_ROLE_BY_TITLE.update({"镇长": "head", "乡长": "head", "常务副乡长": "exec_deputy_head",
                       "政协工作委员会主任": "cppcc", "政协联络处主任": "cppcc"})


def parse_deputy_roles(text) -> list[list[frozenset]]:
    """'镇长或常务副镇长；人大主席团主席和纪委书记' → one requirement per deputy
    secretary, each a list of alternatives, each a set of roles held together."""
    out = []
    for part in re.split(r"[；;]", str(text or "")):
        part = part.strip()
        if not part:
            continue
        alternatives = []
        for alt in re.split(r"或|/|\|", part):
            roles = set()
            for title in re.split(r"和|\+|、", alt):
                title = title.strip()
                if not title:
                    continue
                if title not in _ROLE_BY_TITLE:
                    raise ValidationError("副书记须兼任的职务", f"“{title}”不是已知职务（可写：{'、'.join(_ROLE_BY_TITLE)}）。")
                roles.add(_ROLE_BY_TITLE[title])
            if roles:
                alternatives.append(frozenset(roles))
        if alternatives:
            out.append(alternatives)
    return out


def _describe(alternatives: list[frozenset]) -> str:
    return "或".join("和".join(roster.ROLES[r] for r in sorted(alt)) for alt in alternatives)


@dataclass(frozen=True)
class Eligibility:
    """Who may be nominated: age limits by incumbency and sex (None = no
    limit) and the woman rule. Shared by the roster check and the election."""

    age_limits: dict  # {'incumbent': {'男': 57, '女': 52}, 'new': {'男': 55, '女': 50}}
    women_min: int
    keep_seat_for_woman: bool

    @property
    def require_woman(self) -> bool:
        return self.women_min > 0

    def limit(self, incumbent: bool, sex: str) -> int | None:
        return self.age_limits["incumbent" if incumbent else "new"].get(sex)


def eligibility_rules(db: Database) -> Eligibility:
    """The one eligibility configuration, from settings."""
    def limit(key):
        n = int(settings.get(db, key))
        return n if n > 0 else None

    return Eligibility(
        age_limits={"incumbent": {"男": limit("roster.age_continue_male"), "女": limit("roster.age_continue_female")},
                    "new": {"男": limit("roster.age_new_male"), "女": limit("roster.age_new_female")}},
        women_min=max(0, int(settings.get(db, "roster.min_women"))),
        keep_seat_for_woman=bool(settings.get(db, "roster.keep_seat_for_woman")))


@dataclass(frozen=True)
class TeamShape:
    """The county's team shape, parsed and checked."""

    quota: int
    seats_range: tuple[int, int]
    deputy_secretaries: int
    deputy_roles: list
    secretary_is_head: bool
    deputy_heads: tuple[int, int] | None  # None: the mix is not set for this quota
    plain_committee: tuple[int, int] | None
    discipline_separate: bool


def team_shape(db: Database) -> TeamShape:
    """The team shape from settings; ValidationError naming the setting when one is unreadable."""
    quota = int(settings.get(db, "roster.team_quota"))
    seats = parse_range(settings.get(db, "roster.team_seats_range"), "县定班子职数范围") or (quota, quota)
    deputies = int(settings.get(db, "roster.deputy_secretaries"))
    separate = bool(settings.get(db, "roster.new_term_discipline_separate"))
    roles = parse_deputy_roles(settings.get(db, "roster.deputy_roles"))
    if separate:  # the new 纪委书记 is not a deputy secretary: drop that requirement
        roles = [[alt for alt in req if "discipline_secretary" not in alt] for req in roles]
        roles = [req for req in roles if req]
    top = 1 + deputies
    heads = parse_range(settings.get(db, "roster.committee_deputy_heads"), "委员兼副镇长人数")
    table_plain = None
    if heads is None and quota in COMPOSITION:
        heads = (COMPOSITION[quota][0],) * 2
        table_plain = (COMPOSITION[quota][1],) * 2
    plain_text = str(settings.get(db, "roster.committee_plain") or "").strip()
    if plain_text == "余":  # every seat not taken by the secretary, the deputies and the deputy heads
        plain = None if heads is None else (quota - top - heads[1], quota - top - heads[0])
    else:
        plain = parse_range(plain_text, "党委委员人数") or table_plain
    if plain is not None and plain[1] < 0:
        raise ValidationError("党委委员人数", f"职数 {quota} 人放不下书记、{deputies} 名副书记和委员兼副镇长。")
    if plain is not None:
        plain = (max(plain[0], 0), plain[1])
    return TeamShape(quota, seats, deputies, roles, bool(settings.get(db, "roster.secretary_is_head")),
                     heads, plain, separate)


def apply_preset(db: Database, actor: Actor, name: str, quota: int | None = None) -> None:
    """Write every setting of a preset ('000' or '002'), in one transaction;
    `quota` picks the seat count within the preset's range."""
    from models.core.users import require

    require(actor, "settings.write")
    if name not in PRESETS:
        raise ValidationError("班子配备规则", f"没有“{name}”这套规则，可选：{'、'.join(PRESET_NAMES.values())}。")
    values = {k: v for k, v in PRESETS[name].items() if k != "label"}
    if quota is not None:
        lo, hi = parse_range(values["roster.team_seats_range"], "县定班子职数范围") or (0, 99)
        if not lo <= int(quota) <= hi:
            raise ValidationError("领导班子职数", f"{quota} 不在“{PRESET_NAMES[name]}”的范围 {lo}–{hi} 内。")
        values["roster.team_quota"] = int(quota)
    with db.atomic():
        for key, value in values.items():
            settings.set_value(db, key, value, actor)
        settings.set_value(db, "roster.rule_preset", name, actor)


# Every setting of the county's rule set: what a county sends its townships.
RULE_SET_KEYS = [k for k in PRESETS["000"] if k != "label"] + ["roster.finance_area_kinds"]


def send_county_rules(db: Database, actor: Actor) -> int:
    """Put the county's current rule set (team shape, eligibility, finance
    rule, majority rule) into `county_rules`, the table the reference package
    carries to the townships. Only a county database sends rules."""
    import json

    from models.core import audit
    from models.core.users import require

    require(actor, "settings.write")
    if settings.get(db, "database_mode") != "county":
        raise ValidationError("班子配备规则", "只有县级汇总库才能下发全县规则；乡镇库请直接修改设置。")
    team_shape(db)  # refuse to send a rule set that does not parse
    finance_kinds(db)
    with db.atomic():
        before = dict(db.execute("SELECT key, value FROM county_rules").fetchall())
        db.execute("DELETE FROM county_rules")
        rows = [(key, json.dumps(settings.get(db, key), ensure_ascii=False)) for key in RULE_SET_KEYS]
        db.conn.executemany("INSERT INTO county_rules (key, value) VALUES (?, ?)", rows)
        audit.record(db, actor, "county-rules", "county_rules", "*", before, dict(rows))
    return len(rows)


def adopt_county_rules(db: Database, actor: Actor) -> list[str]:
    """After a reference package: the county's rule set replaces this
    township's rule settings (the county is the authority). Returns notes
    for the import summary. Call inside the import's transaction."""
    import json

    from models.core.users import require

    require(actor, "handoff.import")
    rows = dict(db.execute("SELECT key, value FROM county_rules").fetchall())
    changed = []
    for key in RULE_SET_KEYS:
        if key not in rows:
            continue
        value = json.loads(rows[key])
        if settings.get(db, key) != value:
            settings.set_value(db, key, value, actor)
            changed.append(settings.DEFAULTS[key][1])
    if rows and settings.get(db, "roster.rule_preset") != "县定":
        settings.set_value(db, "roster.rule_preset", "县定", actor)
    if not rows:
        return []
    return [f"已采用县里下发的班子配备与提名资格规则（改动 {len(changed)} 项" +
            (f"：{'、'.join(changed[:6])}{'等' if len(changed) > 6 else ''}" if changed else "") + "）。"]


def finance_kinds(db: Database) -> set[str]:
    """The duty-area kinds that count as finance (财政)."""
    text = str(settings.get(db, "roster.finance_area_kinds") or "")
    kinds = {k.strip() for k in re.split(r"[、,，;；]", text) if k.strip()}
    unknown = kinds - set(roster.AREA_KINDS)
    if unknown:
        raise ValidationError("属于财政的分管领域类别", f"“{'、'.join(sorted(unknown))}”不是分管领域类别"
                                                 f"（可选：{'、'.join(roster.AREA_KINDS)}）。")
    return kinds


def reference_date(db: Database) -> dt.date:
    raw = settings.get(db, "roster.age_reference_date") or ""
    try:
        return dt.date.fromisoformat(raw) if raw else dt.date.today()
    except ValueError:
        raise ValidationError("提名年龄计算基准日", f"“{raw}”不是日期（如 2026-12-31）。") from None


def _match_deputies(requirements: list, deputies: list[dict]) -> list:
    """The requirements no assignment of distinct deputies can meet (fewest unmet)."""
    if not requirements:
        return []
    best = list(requirements)
    people = deputies + [None] * max(0, len(requirements) - len(deputies))
    for order in permutations(people, len(requirements)):
        unmet = [req for req, m in zip(requirements, order, strict=True)
                 if m is None or not any(alt <= m["roles"] for alt in req)]
        if len(unmet) < len(best):
            best = unmet
            if not best:
                break
    return best


def check(db: Database, township_code: str | None = None) -> list[dict]:
    """Every rule against one township's data (or the only township)."""
    found: list[dict] = []
    team = roster.current_team(db, township_code)
    by_role: dict[str, list] = {}
    for m in team:
        for role in m["roles"]:
            by_role.setdefault(role, []).append(m)
    try:
        shape = team_shape(db)
    except ValidationError as e:
        found.append(_finding("error", "settings", f"设置“{e.field}”{e.bare_message}"))
        shape = None

    if shape:
        quota, (lo, hi) = shape.quota, shape.seats_range
        if not lo <= quota <= hi:
            found.append(_finding("warning", "team_size", f"设置的班子职数 {quota} 不在县定范围 {lo}–{hi} 人内。"))
        if len(team) > quota:
            found.append(_finding("warning", "team_size", f"班子现有 {len(team)} 人，超过职数 {quota} 人。"))
        elif len(team) < quota:
            found.append(_finding("warning", "team_size",
                                  f"班子现有 {len(team)} 人，职数 {quota} 人，空缺 {quota - len(team)} 人。"))

    deputies = by_role.get("deputy_secretary", [])
    if team and shape:
        if len(deputies) != shape.deputy_secretaries:
            found.append(_finding("warning", "composition",
                                  f"党委副书记应为 {shape.deputy_secretaries} 人，现有 {len(deputies)} 人。"))
        for req in _match_deputies(shape.deputy_roles, deputies):
            found.append(_finding("warning", "composition", f"没有党委副书记兼任{_describe(req)}。"))
        if shape.secretary_is_head and not any("head" in m["roles"] for m in by_role.get("party_secretary", [])):
            found.append(_finding("warning", "composition", "党委书记未兼任镇长（县定党政一肩挑）。"))
        if shape.discipline_separate:
            for m in deputies:
                if "discipline_secretary" in m["roles"]:
                    found.append(_finding("warning", "discipline",
                                          f"{m['name']}：纪委书记仍兼任党委副书记（换届后不应兼任）。", m["uuid"]))
        plain = [m for m in team if "committee" in m["roles"] and not m["roles"] & {"deputy_secretary", "party_secretary"}]
        with_dh = [m for m in plain if "deputy_head" in m["roles"]]
        n_dh, n_plain = len(with_dh), len(plain) - len(with_dh)

        def fits(n, rng):
            return rng is None or rng[0] <= n <= rng[1]

        def says(rng):
            return "不限" if rng is None else (f"{rng[0]}" if rng[0] == rng[1] else f"{rng[0]}–{rng[1]}")

        if shape.deputy_heads is None and shape.plain_committee is None:
            found.append(_finding("info", "committee_mix",
                                  f"职数 {shape.quota} 人时委员兼副镇长、党委委员的人数未设定（设置 → 委员兼副镇长人数），未检查。"))
        elif not (fits(n_dh, shape.deputy_heads) and fits(n_plain, shape.plain_committee)):
            found.append(_finding("warning", "committee_mix",
                                  f"{shape.quota} 人班子应有委员兼副镇长 {says(shape.deputy_heads)} 人、"
                                  f"党委委员 {says(shape.plain_committee)} 人，现为 {n_dh} 人、{n_plain} 人。"))
    if team:
        rules = eligibility_rules(db)
        women = sum(1 for m in team if m["sex"] == "女")
        if women < rules.women_min:
            found.append(_finding("warning", "women", f"班子中女干部 {women} 人，少于 {rules.women_min} 人"
                                  + ("，应保留一个职位给女干部。" if rules.keep_seat_for_woman else "。")))

    areas = roster.duty_areas(db, township_code)
    for area in areas:
        leaders = area["leaders"]
        if not leaders:
            found.append(_finding("warning", "duty_gap", f"“{area['name']}”没有分管领导（职责盲区）。", area["uuid"]))
        elif len(leaders) > 1:
            names = "、".join(a["name"] for a in leaders)
            found.append(_finding("warning", "duty_gap", f"“{area['name']}”有 {len(leaders)} 名分管领导（{names}），分工重叠。",
                                  area["uuid"]))
    try:
        money = finance_kinds(db)
    except ValidationError as e:
        found.append(_finding("error", "settings", f"设置“{e.field}”{e.bare_message}"))
        money = set()
    rule = str(settings.get(db, "roster.finance_rule") or "secretary")
    if rule not in FINANCE_RULES:
        found.append(_finding("error", "settings", f"设置“不分管财政的领导”为“{rule}”，应为 secretary 或 principals。"))
        rule = "secretary"
    top_roles = {"party_secretary"} if rule == "secretary" else {"party_secretary", "head"}
    top = {m["uuid"]: m for m in team if m["roles"] & top_roles}
    for area in areas:
        if area["kind"] in money:
            for a in area["leaders"]:
                if a["cadre_uuid"] in top:
                    held = "、".join(roster.ROLES[r] for r in sorted(top[a["cadre_uuid"]]["roles"] & top_roles))
                    found.append(_finding("warning", "finance", f"{held}{a['name']}分管财政（“{area['name']}”）。",
                                          a["cadre_uuid"]))

    for v in roster.village_coverage(db, township_code):
        if not v["liaisons"]:
            found.append(_finding("warning", "villages", f"{v['name']}没有驻村或联村干部。", v["uuid"]))

    ref = reference_date(db)
    rules = eligibility_rules(db)
    for n in _nominees(db, township_code):
        if n["sex"] not in ("男", "女"):
            continue
        incumbent = n["nomination"] == "继续提名"
        limit = rules.limit(incumbent, n["sex"])
        age = roster.age_at(n["birth_date"], ref)
        if limit is not None and age is not None and age > limit:
            found.append(_finding("warning", "age", f"{n['name']}（{n['sex']}，{n['nomination']}）{ref.isoformat()} 时 "
                                                    f"{age} 周岁，超过 {limit} 周岁。", n["uuid"]))

    limit = int(settings.get(db, "roster.max_duties"))
    for cadre_uuid, name, n in _duty_counts(db, township_code):
        if n > limit:
            found.append(_finding("warning", "overload", f"{name}有 {n} 项分工，超过 {limit} 项。", cadre_uuid))

    for office in _office_staffing(db, township_code):
        if office["filled"] > office["establishment"]:
            found.append(_finding("warning", "vacancy", f"{office['name']}编制 {office['establishment']} 人，在编 "
                                                        f"{office['filled']} 人，超编 {office['filled'] - office['establishment']} 人。"))
        elif office["filled"] < office["establishment"]:
            found.append(_finding("warning", "vacancy", f"{office['name']}编制 {office['establishment']} 人，在编 "
                                                        f"{office['filled']} 人，缺编 {office['establishment'] - office['filled']} 人。"))
    return found


def duty_findings(db: Database, township_code: str | None = None) -> list[dict]:
    """The findings about the division of duties (gaps, overlaps, finance,
    overload): what a duties notice must not contradict."""
    return [f for f in check(db, township_code) if f["code"] in ("duty_gap", "finance", "overload")]


def _nominees(db: Database, township_code):
    sql = ("SELECT uuid, name, sex, birth_date, nomination FROM cadres WHERE deleted = 0 AND status = '在职' "
           "AND coalesce(nomination, '') != ''")
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return roster.records.rows(db, sql, params)


def _duty_counts(db: Database, township_code):
    sql = ("SELECT c.uuid, c.name, count(*) FROM duty_assignments s JOIN cadres c ON c.uuid = s.cadre_uuid "
           "JOIN duty_areas d ON d.uuid = s.area_uuid "
           "WHERE s.deleted = 0 AND c.deleted = 0 AND d.deleted = 0 AND c.status = '在职'")
    params = []
    if township_code:
        sql += " AND c.township_code = ?"
        params.append(township_code)
    return db.execute(sql + " GROUP BY c.uuid ORDER BY c.name_pinyin", params).fetchall()


def _office_staffing(db: Database, township_code):
    """Offices with establishment (编制) and filled (在编 staff working there)."""
    kinds = ", ".join("?" for _ in roster.STAFFING_ESTABLISHED)
    sql = ("SELECT f.uuid, f.name, f.establishment, (SELECT count(*) FROM cadres c WHERE c.office_uuid = f.uuid "
           f"AND c.deleted = 0 AND c.status = '在职' AND c.staffing IN ({kinds})) AS filled FROM offices f "
           "WHERE f.deleted = 0 AND f.establishment > 0")
    params: list = list(roster.STAFFING_ESTABLISHED)
    if township_code:
        sql += " AND f.township_code = ?"
        params.append(township_code)
    return roster.records.rows(db, sql + " ORDER BY f.id", params)


def check_findings(db: Database) -> list[tuple[str, str]]:
    """Hook for `main.py check`: (level, 'message（依据 report title）') for every township
    that has a roster in this database."""
    codes = [r[0] for r in db.execute("SELECT DISTINCT township_code FROM cadres WHERE deleted = 0")]
    out: list[tuple[str, str]] = []
    for code in codes:
        prefix = f"{code} " if len(codes) > 1 else ""
        out.extend((f["level"], f"领导班子 {prefix}{f['text']}") for f in check(db, code))
    return out
