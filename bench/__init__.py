"""Benchmarks: `python -m bench` measures speed and memory at township and
county scale, each figure next to its floor (the cheapest way of doing the
same thing). Not a test: CI runs `python -m bench --scale tiny` only to prove
it still works."""
