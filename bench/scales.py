"""Benchmark sizes. `full` is what the issues specify (a county's year:
1,000,000 tickets in 20 townships); `10m` is ten years of that county
(10,000,000 tickets); `tiny` proves in CI that every figure still runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How big the synthetic databases are and how often each figure runs."""

    name: str
    township_tickets: int  # the township database
    county_townships: int
    county_tickets: int  # in all, split evenly over the townships
    county_cadres: int  # in all (the roster demo is topped up when it makes fewer)
    generate_tickets: int  # the "generate N demo tickets" figure
    pdf_rows: tuple  # case-results notices
    runs: int
    heavy_runs: int  # figures that take minutes at full scale (ticket generation)
    county_years: int = 1  # the county's tickets spread over this many years


SCALES = {
    "tiny": Scale("tiny", township_tickets=300, county_townships=2, county_tickets=2000, county_cadres=120,
                  generate_tickets=2000, pdf_rows=(50, 200), runs=2, heavy_runs=1),
    "small": Scale("small", township_tickets=5000, county_townships=4, county_tickets=50000, county_cadres=500,
                   generate_tickets=50000, pdf_rows=(1000, 10000), runs=5, heavy_runs=3),
    "full": Scale("full", township_tickets=20000, county_townships=20, county_tickets=1_000_000, county_cadres=5000,
                  generate_tickets=1_000_000, pdf_rows=(1000, 10000), runs=5, heavy_runs=3),
    "10m": Scale("10m", township_tickets=20000, county_townships=20, county_tickets=10_000_000, county_cadres=5000,
                 generate_tickets=1_000_000, pdf_rows=(1000, 10000), runs=5, heavy_runs=3, county_years=10),
}
