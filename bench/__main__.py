"""`python -m bench [--scale tiny|small|full] [--only KEY,...] [--runs N] [--reuse]`

Builds (or reuses) the cached databases, measures every figure as the median
of several runs next to its floor, prints the table and writes JSON
(bench/results/latest.json for the full scale, bench/results/<scale>.json otherwise).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import databases  # noqa: E402
from bench.harness import machine_info, markdown_table, print_table, write_json  # noqa: E402
from bench.scales import SCALES, Scale  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
# Figure groups in the order they run; each module has figures(ctx) -> list[Figure].
GROUPS = ["startup", "tickets", "tabs", "roster", "assess", "assess960k", "pdf", "handoff", "generate", "check"]


@dataclass
class Context:
    """What every figure module is given. The shared databases are built (or
    taken from the cache) when a figure first asks for one, so a group that
    brings its own (assess960k) runs without the county being built."""

    scale: Scale
    runs: int
    heavy_runs: int
    open_db: Callable[[str], Path]
    built: dict = dataclasses.field(default_factory=dict)
    read_only: bool = False  # --read-only: the figures never write the (shared) cached databases
    keys: tuple = ()  # --keys: measure only the figures whose keys start so (empty: all)

    def wants(self, key: str) -> bool:
        return not self.keys or any(key.startswith(k) for k in self.keys)

    def _db(self, name: str) -> Path:
        if name not in self.built:
            self.built[name] = self.open_db(name)
        return self.built[name]

    @property
    def township(self) -> Path:
        return self._db("township")

    @property
    def county(self) -> Path:
        return self._db("county")

    @property
    def base(self) -> Path:
        return self._db("base")


def newest_cached(name: str, scale: Scale) -> Path | None:
    """With --reuse: the newest cached database of that name, whatever its key."""
    return databases.newest_cached(name, scale)


def merge_previous(path: Path, fresh: list) -> list:
    """The previous run's figures in their order, with the fresh ones replacing
    those of the same key (new keys appended)."""
    import json

    from bench.harness import Figure

    fields = {f.name for f in dataclasses.fields(Figure)}
    previous = [Figure(**{k: v for k, v in f.items() if k in fields})
                for f in json.loads(path.read_text(encoding="utf-8"))["figures"]]
    by_key = {f.key: f for f in fresh}
    merged = [by_key.pop(f.key, f) for f in previous]
    return merged + list(by_key.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--only", default="", help="comma-separated groups: " + ",".join(GROUPS))
    parser.add_argument("--runs", type=int, default=0, help="runs per figure (default: the scale's)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the newest cached databases even if the generator's code changed since")
    parser.add_argument("--read-only", action="store_true",
                        help="with --reuse: open the cached databases read-only (a cache shared with others): "
                             "no upgrade (stops if the schema is behind), immutable connections in this process, "
                             "the start-up child opens the file as 只读打开 does")
    parser.add_argument("--out", help="JSON file (default bench/results/latest.json at full scale)")
    parser.add_argument("--keys", default="",
                        help="comma-separated figure key prefixes, e.g. tickets_search (groups that know them skip the rest)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the figures of the existing JSON file that this run did not measure")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    runs = args.runs or scale.runs
    groups = [g for g in args.only.split(",") if g] or GROUPS
    t_start = time.perf_counter()

    builders = {"township": databases.township_db, "county": databases.county_db, "base": databases.base_db}

    def db(name):
        found = newest_cached(name, scale) if args.reuse else None
        if args.read_only:
            if found is None:
                raise SystemExit(f"--read-only: no cached {name} database for scale {scale.name} (use --reuse and BENCH_CACHE)")
            pending = databases.pending_migrations(found)
            if pending:
                raise SystemExit(f"--read-only: {found.name} lacks migrations {pending}: upgrade a copy first")
            return found
        path = found or builders[name](scale)
        databases.upgrade(path)  # a reused database gets today's schema and indexes
        return path

    ctx = Context(scale=scale, runs=runs, heavy_runs=min(runs, scale.heavy_runs) if args.runs == 0 else runs,
                  open_db=db, read_only=args.read_only, keys=tuple(k for k in args.keys.split(",") if k))
    figures = []
    for group in groups:
        module = importlib.import_module(f"bench.fig_{group}")
        figures.extend(module.figures(ctx))

    print()
    print_table(figures)
    meta = {
        "scale": dataclasses.asdict(scale),
        "runs": runs,
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t_start, 1),
        "machine": machine_info(),
        "databases": {name: {"file": p.name, **databases.build_info(p)}
                      for name, p in ctx.built.items()},
        "markdown": markdown_table(figures),
    }
    out = Path(args.out) if args.out else RESULTS / ("latest.json" if scale.name == "full" else f"{scale.name}.json")
    if args.merge and out.exists():
        import json

        previous = json.loads(out.read_text(encoding="utf-8")).get("databases", {})
        meta["databases"] = {**previous, **meta["databases"]}  # the databases this run did not open stay described
        figures = merge_previous(out, figures)
        meta["markdown"] = markdown_table(figures)
        meta["merged"] = f"groups {','.join(groups)} re-measured at {meta['when']}; the rest kept from the previous run"
    write_json(out, figures, meta)
    print(f"\n结果已写入 {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
