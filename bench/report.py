"""`python -m bench.report`: turn bench/results/latest.json into
bench/README_SECTION.md (the table, the machine, how to reproduce, and what
limits each missed target), for the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANALYSIS = HERE / "ANALYSIS.md"  # hand-written: what limits each missed target and the fix


def machine_line(m: dict) -> str:
    parts = [m.get("cpu", m.get("machine", "")), f"{m.get('cpus')} cores", f"{m.get('memory_gb')} GB RAM",
             m.get("platform", ""), f"Python {m.get('python')}", f"SQLite {m.get('sqlite')}",
             f"PySide6 {m.get('pyside6', '?')}", f"reportlab {m.get('reportlab', '?')}"]
    load = m.get("load_average")
    if load:
        parts.append(f"load average at the end {load[0]} (shared machine)")
    return ", ".join(p for p in parts if p)


def runs_text(data: dict) -> str:
    """'5 runs per figure (ticket generation: 1)' from the figures themselves."""
    from collections import Counter

    runs = Counter(f["runs"] for f in data["figures"] if f.get("runs"))
    if not runs:
        return "no runs"
    usual = runs.most_common(1)[0][0]
    odd = [f"{f['label']}: {f['runs']}" for f in data["figures"] if f.get("runs") and f["runs"] != usual]
    return f"{usual} runs per figure" + (f" ({'; '.join(odd)})" if odd else "")


def render(data: dict) -> str:
    scale = data["scale"]
    county = data["databases"].get("county", {})
    counts = county.get("counts", {})
    lines = [
        "## Benchmarks",
        "",
        "`python -m bench` (or `make bench`) builds synthetic databases with the demo generator, caches them in",
        "`bench/cache/` keyed by the generator's code, measures each figure as the median of several runs next",
        "to its *floor* — the cheapest way of doing the same thing on the same machine — and writes",
        "`bench/results/latest.json`. `python -m bench --scale tiny` runs everything in under a minute (CI does",
        "this only to prove the benchmark still works); `--only startup,tickets` picks groups; `--reuse` keeps",
        "cached databases even when the generator changed; `--read-only` (with `--reuse`, a cache shared with others)",
        "never writes them.",
        "",
        f"Latest run: {data['when']}, scale `{scale['name']}`, {runs_text(data)}"
        + (f"; {data['merged']}." if data.get("merged") else f", {data['seconds'] / 60:.0f} min in all."),
        "",
        f"Machine: {machine_line(data['machine'])}.",
        "",
        f"County database: {scale['county_townships']} townships, {counts.get('tickets', 0):,} tickets, "
        f"{counts.get('ticket_events', 0):,} ticket events, {counts.get('cadres', 0):,} cadres, "
        f"{counts.get('assess_scores', 0):,} assessment scores; built in {county.get('build_seconds', '?')} s.",
        "",
        "`cpu` is the CPU time of the measuring process: on a shared machine the wall-clock median includes",
        "waiting for a core, the CPU time does not.",
        "",
        data["markdown"],
        "",
    ]
    notes = [f"- **{f['label']}**: {f['note']}" for f in data["figures"] if f.get("note")]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    src = Path(argv[0]) if argv else HERE / "results" / "latest.json"
    data = json.loads(src.read_text(encoding="utf-8"))
    out = HERE / "README_SECTION.md"
    out.write_text(render(data), encoding="utf-8")
    print(f"已写入 {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
