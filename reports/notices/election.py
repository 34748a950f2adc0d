"""The 三公开 notices of a term change (换届): eligibility of the self-nominees,
the 两推 results, and the election results. Data comes from
models.election.term.*_for_notice, gathered by the kinds registered there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.layout import Column
from reports.notices.common import new_document, period_and_phone

if TYPE_CHECKING:  # annotations only
    from models.notices.contracts import ElectionNotice

# column label -> (width share, alignment)
_COLUMN_STYLE = {
    "序号": (0.7, "CENTER"), "名次": (0.7, "CENTER"), "姓名": (1.2, "CENTER"), "性别": (0.7, "CENTER"),
    "出生年月": (1.4, "CENTER"), "政治面貌": (1.5, "CENTER"), "学历": (0.8, "CENTER"),
    "现任职务": (2.2, "LEFT"), "报名职位": (1.2, "CENTER"), "资格审查": (1.8, "LEFT"),
    "得票": (0.8, "RIGHT"), "得票率": (0.9, "RIGHT"), "确定为人选": (1.0, "CENTER"),
    "职位": (1.3, "CENTER"), "应选": (0.6, "CENTER"), "轮次": (0.6, "CENTER"), "应到": (0.7, "RIGHT"), "实到": (0.7, "RIGHT"),
    "结果": (1.6, "LEFT"),
}

_INTRO = {
    "election_eligibility": "根据换届工作有关规定，经资格审查，现将报名人员资格审查结果予以公示，接受群众监督。",
    "election_recommendation": "根据换届工作有关规定，各单位党员、群众代表两票推选结果汇总如下，现予以公示。",
}


def _render(data: ElectionNotice, serial: str, paper: str, progress) -> bytes:
    doc = new_document(data, data["title"], serial, paper)
    # The results notice states the majority rule in force: its sentence comes with the data.
    doc.paragraph(data["intro"] or _INTRO.get(data["kind"], ""))
    columns = [Column(c, *_COLUMN_STYLE.get(c, (1.0, "CENTER"))) for c in data["columns"]]
    doc.table(columns, [[("" if v is None else str(v)) for v in row] for row in data["rows"]], font_size=11)
    for note in data["notes"]:
        doc.paragraph(note)
    period_and_phone(doc, data, "公示期间如有异议，请向镇党委组织办反映。")
    doc.closing(data["office"]["party"], data["date"])
    return doc.build(progress)


def render_eligibility(data: ElectionNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """报名人员资格审查结果公示."""
    return _render(data, serial, paper, progress)


def render_recommendation(data: ElectionNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """两票推选结果公示."""
    return _render(data, serial, paper, progress)


def render_results(data: ElectionNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """选举结果公示."""
    return _render(data, serial, paper, progress)
