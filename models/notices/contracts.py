"""What each notice kind hands to its renderer in reports/notices/.

One TypedDict per kind: the gatherer (models/notices/registry.py,
models/roster/notices.py) returns it and the renderer takes it, so mypy
(`make lint`) checks every key on both sides — a misspelled key fails lint
instead of printing a blank on a public sheet. The rows a kind takes from a
domain are that domain's own types (models.assess.results.NoticeResultRow …).

A published notice keeps this data as JSON (notice_snapshots) and a reprint
renders it again: keys may be added, never renamed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

if TYPE_CHECKING:  # annotations only
    from models.assess.results import CommitmentRow, NoticeResultRow, SupervisionSheet
    from models.assess.rewards import CountyPersonRow, CountyTownshipRow, HonourRow, RewardPool, SubsidyRow
    from models.core.township import OfficeIdentity
    from models.service.catalogue import CatalogueDepartment


class NoticePeriod(TypedDict):
    """公示时间: first and last day (ISO) and how many working days."""

    start: str
    end: str
    workdays: int


class NoticeBase(TypedDict):
    """What every notice carries: its kind, the issuing office, the notice date
    (ISO) and the public phones; `notice_period` on the kinds that have one."""

    kind: str
    office: OfficeIdentity
    date: str
    supervision_phone: str
    office_phone: str
    notice_period: NotRequired[NoticePeriod]


# ---- roster -------------------------------------------------------------------

class WhereaboutsRow(TypedDict):
    name: str
    post: str
    status: str
    place: str
    note: str
    is_team: bool


class WhereaboutsNotice(NoticeBase):
    """干部流向公示栏."""

    rows: list[WhereaboutsRow]


class PreAppointmentPerson(TypedDict):
    """One person of a 任前公示 (never the ID number or the phone); '' when not known."""

    name: str
    sex: str
    ethnicity: str
    birth_month: str
    political_status: str
    party_join_date: str
    edu_fulltime: str
    degree_fulltime: str
    edu_inservice: str
    work_start_date: str
    native_place: str
    current_post: str
    proposed_post: str
    removed_post: str


class PreAppointmentNotice(NoticeBase):
    """任前公示."""

    people: list[PreAppointmentPerson]


class DutiesMember(TypedDict):
    """A team member on the 分工公示 ('、'-joined lists)."""

    name: str
    posts: str
    duty_areas: str
    assists: str
    villages: str
    contact_points: str


class DutyOverlap(TypedDict):
    area: str
    leaders: list[str]


class DutiesStatements(TypedDict):
    """The facts the duties notice states, computed from the duty areas."""

    gaps: list[str]
    overlaps: list[DutyOverlap]
    sentences: list[str]


class DutiesNotice(NoticeBase, DutiesStatements):
    """领导班子分工公示."""

    members: list[DutiesMember]


class CardMember(TypedDict):
    name: str
    titles: str
    phone: str
    duties: str


class CardLiaison(TypedDict):
    name: str
    kind: str
    phone: str


class CardVillage(TypedDict):
    name: str
    liaisons: list[CardLiaison]


class OfficePhone(TypedDict):
    name: str
    phone: str


class LiaisonCardsNotice(NoticeBase):
    """连心卡: one card per village."""

    team: list[CardMember]
    villages: list[CardVillage]
    office_phones: list[OfficePhone]
    without_number: list[str]


class StaffFacts(TypedDict):
    """The staff structure as sentences and table rows [group, value, count, share]."""

    sentences: list[str]
    rows: list[list[str]]
    total: int


class StaffFactsNotice(NoticeBase, StaffFacts):
    """全镇干部基本情况公示."""


# ---- service desk -------------------------------------------------------------

class CatalogueNotice(NoticeBase):
    """五公开/明白卡."""

    departments: list[CatalogueDepartment]


class CasePeriod(TypedDict):
    start: str
    end: str
    label: str


class CaseResultRow(TypedDict):
    ticket_no: str
    applicant: str  # masked
    matter: str
    department: str
    received: str
    finished: str
    result: str


class CaseResultsNotice(NoticeBase):
    """办件结果公示."""

    period: CasePeriod
    rows: list[CaseResultRow]


class ReceiptSheet(TypedDict):
    """What the 受理回执 prints (phones masked or the office's)."""

    ticket_no: str
    applicant: str
    applicant_phone: str
    matter: str
    request: str
    kind: str
    department: str
    received: str
    promised: str
    promised_note: str  # set when the due date was counted over a year without the official calendar
    handler: str
    handler_phone: str
    progress_query: str
    materials: NotRequired[str]  # materials received, when the office writes them on the receipt


class ReceiptNotice(NoticeBase):
    """受理回执."""

    receipt: ReceiptSheet


# ---- assessment ---------------------------------------------------------------

class AssessResultsNotice(NoticeBase):
    """考核结果公示."""

    title: str
    period_label: str
    plan_name: str
    year: int
    missing_rule_label: str
    rows: list[NoticeResultRow]


class RewardsNotice(NoticeBase):
    """补贴/奖励公示."""

    title: str
    year: int
    pools: list[RewardPool]
    subsidies: list[SubsidyRow]
    honours: list[HonourRow]
    reward_rules: str


class CountyRewardsNotice(NoticeBase):
    """村干部奖励统一权衡公示 (county database)."""

    title: str
    year: int
    townships: list[CountyTownshipRow]
    people: list[CountyPersonRow]
    curve_text: str


class CommitmentsNotice(NoticeBase):
    """目标承诺公示."""

    title: str
    year: int
    rows: list[CommitmentRow]


class SupervisionNotice(NoticeBase):
    """督办通知单: one sheet per unmet target."""

    title: str
    year: int
    sheets: list[SupervisionSheet]


# ---- election -----------------------------------------------------------------

class ElectionNotice(NoticeBase):
    """The three 换届 notices: a table (columns and rows) with notes under it;
    `intro` is the results notice's opening (it states the majority rule)."""

    title: str
    township: str
    term_number: int
    event_date: str
    columns: list[str]
    rows: list[list[str | int]]
    notes: list[str]
    intro: str
