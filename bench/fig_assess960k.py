"""Issue 16, point 8: the assessment recompute at the issue's scale — a county
of 20 townships, 4,000 people, 960,000 scores (bench/assess_960k.py builds
it once into the cache) — against its floor, the bare SQL aggregate of the
same scores per person and period. Median of the scale's runs, wall and CPU;
each run rolled back, so the cached database stays as built."""

from __future__ import annotations

import statistics

from bench.harness import Figure, guarded

# (townships, people per township): full is the size; the others only prove the figure runs.
SIZES = {"tiny": (2, 20), "small": (5, 100), "full": (20, 200)}


def figures(ctx) -> list[Figure]:
    from bench import assess_960k, databases

    townships, people = SIZES.get(ctx.scale.name, SIZES["full"])

    def build(path):
        assess_960k.build(path, townships, people)
        return {"townships": townships, "people": townships * people}

    def measure(fig):
        path = databases.cached("assess960k", ctx.scale, build)
        m = assess_960k.measure(path, ctx.runs)
        fig.value, fig.cpu = statistics.median(m["wall"]) * 1000, statistics.median(m["cpu"]) * 1000
        fig.floor, fig.floor_cpu = statistics.median(m["floor_wall"]) * 1000, statistics.median(m["floor_cpu"]) * 1000
        fig.samples = [round(s * 1000, 1) for s in m["wall"]]
        fig.floor_samples = [round(s * 1000, 1) for s in m["floor_wall"]]
        fig.runs = len(m["wall"])
        fig.target_ok = fig.value <= 1000
        fig.note = (f"{m['scores']:,} scores, {townships * people:,} people in {townships} townships, "
                    f"{m['results']:,} results stored before (a recompute after an edit); CPU samples "
                    f"{', '.join(f'{c * 1000:.0f}' for c in m['cpu'])} ms; the first computation into an empty "
                    f"results table: wall {statistics.median(m['first_wall']) * 1000:.0f} ms, "
                    f"CPU {statistics.median(m['first_cpu']) * 1000:.0f} ms")

    label = f"考核 recompute, {townships} townships × {people} people × 60 items × 4 quarters"
    return [guarded(Figure("assess_recompute_960k", label, "ms", floor_label="bare SQL GROUP BY of the same scores",
                           target="≤ 1000 ms"), measure)]
