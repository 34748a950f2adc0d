"""Timing, figures, the printed table and the JSON file.

A figure is the median of several runs. Each figure has a floor — the
cheapest way of doing the same thing on this machine — so the ratio means
something on any machine. A feature that has not landed yet raises
FeatureMissing and the figure prints "n/a (feature missing)".
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path


class FeatureMissing(Exception):
    """The code a figure measures is not in the program yet."""


def require_attr(module_name: str, *names: str):
    """Import `module_name` and return its attributes `names` (one or a tuple);
    FeatureMissing when the module or an attribute does not exist yet."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise FeatureMissing(f"{module_name} missing ({e.name})") from None
    found = []
    for name in names:
        if not hasattr(module, name):
            raise FeatureMissing(f"{module_name}.{name} missing")
        found.append(getattr(module, name))
    return found[0] if len(found) == 1 else tuple(found)


@dataclass
class Figure:
    """One measured figure, its floor and (when the issues name one) its target."""

    key: str
    label: str
    unit: str = "ms"
    value: float | None = None
    floor_label: str = ""
    floor: float | None = None
    target: str = ""
    target_ok: bool | None = None
    runs: int = 0
    samples: list = field(default_factory=list)
    floor_samples: list = field(default_factory=list)
    cpu: float | None = None  # median CPU time of this process, same unit (the machine is shared)
    floor_cpu: float | None = None
    status: str = "ok"  # ok | missing | error
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.floor:
            return None
        return self.value / self.floor

    def to_json(self) -> dict:
        d = asdict(self)
        d["ratio"] = None if self.ratio is None else round(self.ratio, 2)
        return d


class Timing(tuple):
    """(median wall seconds, wall samples), with .cpu: the median CPU seconds
    of this process over the same runs. On a shared machine the wall time
    includes waiting for a core; the CPU time does not."""

    cpu: float = 0.0
    cpu_samples: list = []


def median_run(fn, runs: int, setup=None, warmup: int = 0) -> Timing:
    """Median wall time (seconds) of `fn()` over `runs` runs. `setup()` runs
    before each timed call, untimed, and its result is passed to fn when not None."""
    for _ in range(warmup):
        arg = setup() if setup else None
        fn(arg) if setup else fn()
    samples, cpu = [], []
    for _ in range(max(1, runs)):
        arg = setup() if setup else None
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn(arg) if setup else fn()
        samples.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    timing = Timing((statistics.median(samples), samples))
    timing.cpu, timing.cpu_samples = statistics.median(cpu), cpu
    return timing


def machine_info() -> dict:
    """What the figures came from."""
    import sqlite3

    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    from importlib import metadata

    for dist in ("PySide6-Essentials", "reportlab", "sqlite-utils"):
        try:
            info[dist.lower().replace("-essentials", "").replace("-", "_")] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:g} {unit}"


def table_rows(figures: list[Figure]) -> list[list[str]]:
    """Rows of the printed/markdown table."""
    rows = []
    for f in figures:
        if f.status == "missing":
            value = "n/a (feature missing)"
        elif f.status == "error":
            value = "error"
        else:
            value = _fmt(f.value, f.unit)
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}×"
        ok = "" if f.target_ok is None else ("✓" if f.target_ok else "✗ missed")
        floor = f"{_fmt(f.floor, f.unit)} ({f.floor_label})" if f.floor is not None else (f.floor_label or "")
        cpu = ""
        if f.cpu is not None:
            cpu = _fmt(f.cpu, f.unit) + (f" / {_fmt(f.floor_cpu, f.unit)}" if f.floor_cpu is not None else "")
        rows.append([f.label, value, floor, ratio, cpu, f.target + (f" {ok}" if ok else "")])
    return rows


HEADERS = ["figure", "median", "floor", "ratio", "cpu (figure / floor)", "target"]


def print_table(figures: list[Figure], out=sys.stdout) -> None:
    rows = table_rows(figures)
    widths = [max(_width(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
    for r in [HEADERS, ["-" * w for w in widths], *rows]:
        out.write("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths)).rstrip() + "\n")
    for f in figures:
        if f.note:
            out.write(f"  · {f.label}: {f.note}\n")
    out.flush()


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def markdown_table(figures: list[Figure]) -> str:
    rows = table_rows(figures)
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def write_json(path: Path, figures: list[Figure], meta: dict) -> None:
    """Write the results atomically (a .tmp file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**meta, "figures": [f.to_json() for f in figures]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def write_county_results(path: Path, figures: list[Figure], county: Path, started: float, runs: int,
                         **county_info) -> None:
    """The results file of a figure run on its own against a county file (fig_check,
    fig_storage): when, how long, the machine and its load, the county, the table."""
    import datetime as dt

    meta = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1), "runs": runs, "machine": machine_info(),
            "load_average": os.getloadavg(),
            "databases": {"county": {"file": county.name, "bytes": county.stat().st_size, **county_info}},
            "markdown": markdown_table(figures)}
    write_json(path, figures, meta)


def guarded(figure: Figure, fn, log=sys.stderr) -> Figure:
    """Run fn(figure) which fills the figure; a missing feature or an error is
    recorded on the figure instead of stopping the whole benchmark."""
    t0 = time.perf_counter()
    try:
        fn(figure)
    except FeatureMissing as e:
        figure.status, figure.note = "missing", str(e)
        figure.value = None
    except Exception as e:  # noqa: BLE001 - one broken figure must not stop the rest
        figure.status, figure.note = "error", f"{type(e).__name__}: {e}"
        figure.value = None
        traceback.print_exc(file=log)
    log.write(f"[bench] {figure.key}: {figure.status} ({time.perf_counter() - t0:.1f} s)\n")
    log.flush()
    return figure
