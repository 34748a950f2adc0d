"""PDFs: the acceptance receipt and 1,000 / 10,000-row case-results notices,
against reportlab drawing the same strings on a bare canvas with the same
font (no tables, no wrapping, no template: the floor of putting that text on
pages). Rendering only; gathering the data from the database is not timed."""

from __future__ import annotations

import datetime as dt
import io

from bench.harness import Figure, guarded, median_run, require_attr

FONT = "BenchFloorHei"
ROWS_PER_PAGE = 28  # landscape A4, 10.5 pt rows as in the notice


def _register_floor_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from models.core.paths import bundled_font_path

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(bundled_font_path()), subfontIndex=0))


def bare_canvas(lines: list[list[str]], rows_per_page: int = ROWS_PER_PAGE, landscape: bool = True) -> bytes:
    """Draw each row's strings side by side, a fixed number of rows per page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as to_landscape
    from reportlab.pdfgen import canvas

    _register_floor_font()
    size = to_landscape(A4) if landscape else A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    for i, row in enumerate(lines):
        if i and i % rows_per_page == 0:
            c.showPage()
        if i % rows_per_page == 0:
            c.setFont(FONT, 10.5)
        y = size[1] - 60 - (i % rows_per_page) * 18
        x = 40
        for cell in row:
            c.drawString(x, y, cell)
            x += 10.5 * len(cell) + 8
    c.save()
    return buf.getvalue()


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value not in (None, "") else []


def figures(ctx) -> list[Figure]:
    from bench.databases import open_for_figures
    from models.core.db import close_database

    out = []
    db = open_for_figures(ctx.township, ctx.read_only)
    try:
        def receipt(fig):
            NoticeParams, get_kind, render = require_attr("models.notices.registry", "NoticeParams", "get_kind", "render")
            ticket_no = db.execute("SELECT ticket_no FROM tickets WHERE deleted = 0 ORDER BY id DESC LIMIT 1").fetchone()
            if ticket_no is None:
                fig.status, fig.note = "missing", "no tickets in the township database"
                return
            data = get_kind("receipt").gather(db, NoticeParams(ticket=ticket_no[0]))
            timing = median_run(lambda: render("receipt", data, serial="20260101-BENCH1"), ctx.runs, warmup=1)
            value, samples = timing
            fig.cpu = timing.cpu * 1000
            strings = _strings(data.get("receipt", {})) + _strings(data.get("office", {}))
            floor_timing = median_run(lambda: bare_canvas([[s] for s in strings], 40, landscape=False), ctx.runs, warmup=1)
            floor, fs = floor_timing
            fig.floor_cpu = floor_timing.cpu * 1000
            fig.value, fig.floor, fig.runs = value * 1000, floor * 1000, ctx.runs
            fig.samples, fig.floor_samples = [round(s * 1000, 1) for s in samples], [round(s * 1000, 1) for s in fs]
            fig.target_ok = fig.value <= 150
            fig.note = "fonts already loaded (one warm-up render)"

        out.append(guarded(Figure("pdf_receipt", "受理回执 receipt PDF", "ms", floor_label="bare canvas, same strings",
                                  target="≤ 150 ms"), receipt))

        base_data = {}

        def case_data(n: int) -> dict:
            NoticeParams, get_kind = require_attr("models.notices.registry", "NoticeParams", "get_kind")
            if not base_data:
                today = dt.date.today()
                period = f"{(today - dt.timedelta(days=365)).isoformat()}..{today.isoformat()}"
                base_data.update(get_kind("case_results").gather(db, NoticeParams(period=period)))
            rows = base_data["rows"]
            # Repeat the rows when the township finished fewer cases than asked for.
            data = dict(base_data, rows=[rows[i % len(rows)] for i in range(n)])
            return data

        for n in ctx.scale.pdf_rows:
            def case_results(fig, n=n):
                render = require_attr("models.notices.registry", "render")
                data = case_data(n)
                runs = ctx.runs
                timing = median_run(lambda: render("case_results", data, serial="20260101-BENCH2"), runs)
                value, samples = timing
                lines = [[str(i), r["ticket_no"], r["applicant"], r["matter"], r["department"], r["received"],
                          r["finished"], r["result"]] for i, r in enumerate(data["rows"], 1)]
                floor_timing = median_run(lambda: bare_canvas(lines), runs)
                floor, fs = floor_timing
                fig.cpu, fig.floor_cpu = timing.cpu, floor_timing.cpu
                fig.value, fig.floor, fig.runs = value, floor, runs
                fig.samples, fig.floor_samples = [round(s, 3) for s in samples], [round(s, 3) for s in fs]
                if n >= 10000:
                    fig.target_ok = fig.value <= 3.0
                pages = render("case_results", data).count(b"/Type /Page\n") if n <= 1000 else None
                fig.note = f"{n} rows" + (f", {pages} pages" if pages else "")

            out.append(guarded(Figure(f"pdf_case_results_{n}", f"办件结果公示 {n:,} rows PDF", "s",
                                      floor_label="bare canvas, same strings",
                                      target="≤ 3 s" if n >= 10000 else ""), case_results))
    finally:
        close_database(db)
    return out
