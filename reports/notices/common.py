"""Pieces every notice shares: the document with its title, the notice
period, the supervision phone and the closing signature."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.layout import NoticeDocument, cn_date

if TYPE_CHECKING:  # annotations only: the data each kind's gatherer returns
    from models.notices.contracts import NoticeBase


def new_document(data: NoticeBase, title: str, serial: str, paper: str, subtitle: str = "") -> NoticeDocument:
    """A NoticeDocument with the title block already in place."""
    doc = NoticeDocument(title, serial=serial, paper=paper, author=data["office"]["township"], keywords=data["kind"])
    doc.title_block(title, subtitle)
    return doc


def period_and_phone(doc: NoticeDocument, data: NoticeBase, how_to_report: str = "") -> None:
    """公示时间 (when the data has one) and 监督电话 paragraphs."""
    period = data.get("notice_period")
    if period:
        doc.notice_period(period["start"], period["end"], period["workdays"])
    if how_to_report:
        doc.paragraph(how_to_report)
    phone = data["supervision_phone"]
    if phone:
        doc.paragraph(f"监督电话：{phone}")


def weekday_label(iso_date: str) -> str:
    """2026年11月22日 星期日"""
    import datetime as dt

    d = dt.date.fromisoformat(iso_date[:10])
    return f"{cn_date(d)} 星期{'一二三四五六日'[d.weekday()]}"
