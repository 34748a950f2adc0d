"""Roster search-as-you-type on the county database (every township's
cadres): each keystroke of a pinyin-initials query and of a Chinese name runs
search_cadres + count_cadres, as the cadre list does; against a bare LIKE on
the name column."""

from __future__ import annotations

import statistics
import time

from bench.harness import Figure, guarded, require_attr


def keystrokes(name: str, initials: str) -> list[str]:
    """What the search box holds after each key: 'z', 'zj', 'zjh', '张', '张建', '张建华'."""
    return [initials[:i] for i in range(1, len(initials) + 1)] + [name[:i] for i in range(1, len(name) + 1)]


def figures(ctx) -> list[Figure]:
    from bench.databases import bare_connection, open_for_figures
    from models.core.db import close_database

    db = open_for_figures(ctx.county, ctx.read_only)
    bare = bare_connection(ctx.county, ctx.read_only)

    def search(fig):
        search_cadres, count_cadres, pinyin_keys = require_attr(
            "models.roster.team", "search_cadres", "count_cadres", "pinyin_keys")
        row = db.execute("SELECT name FROM cadres WHERE deleted = 0 AND length(name) = 3 ORDER BY id LIMIT 1 "
                         "OFFSET (SELECT count(*) / 2 FROM cadres WHERE deleted = 0 AND length(name) = 3)").fetchone()
        if row is None:
            fig.status, fig.note = "missing", "no cadres"
            return
        name = row[0]
        keys = keystrokes(name, pinyin_keys(name)[1])
        per_key, floor_key, cpu_key = [], [], []
        for _ in range(ctx.runs):
            for text in keys:
                c0, t0 = time.process_time(), time.perf_counter()
                count_cadres(db, text)
                search_cadres(db, text, limit=200)
                per_key.append(time.perf_counter() - t0)
                cpu_key.append(time.process_time() - c0)
                t0 = time.perf_counter()
                bare.execute("SELECT uuid, name FROM cadres WHERE deleted = 0 AND (name LIKE ? OR name_initials LIKE ?) "
                             "ORDER BY name_pinyin LIMIT 200", [f"%{text}%", f"{text}%"]).fetchall()
                floor_key.append(time.perf_counter() - t0)
        fig.value, fig.floor = statistics.median(per_key) * 1000, statistics.median(floor_key) * 1000
        fig.cpu = statistics.median(cpu_key) * 1000
        fig.samples = [round(s * 1000, 2) for s in per_key]
        fig.floor_samples = [round(s * 1000, 2) for s in floor_key]
        fig.runs = ctx.runs
        worst = max(per_key) * 1000
        fig.target_ok = worst <= 50
        cadres = db.execute("SELECT count(*) FROM cadres WHERE deleted = 0").fetchone()[0]
        fig.note = (f"{cadres} cadres; keystrokes {' → '.join(keys)}; median per keystroke, worst {worst:.1f} ms "
                    "(the target is checked on the worst)")

    try:
        return [guarded(Figure("roster_search", "干部搜索 roster search-as-you-type", "ms",
                               floor_label="bare LIKE on name", target="≤ 50 ms"), search)]
    finally:
        bare.close()
        close_database(db)
