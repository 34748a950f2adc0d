"""The benchmark still runs: `python -m bench --scale tiny` end to end, in a
temporary cache. Not a timed test — the figures are not checked, only that
every figure was measured or reported as missing, never crashed. The
timeout is generous: the tiny run takes 6–7 minutes on the shared 2-core machine."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_tiny_runs_end_to_end(tmp_path):
    out = tmp_path / "tiny.json"
    env = dict(os.environ, BENCH_CACHE=str(tmp_path / "cache"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "bench", "--scale", "tiny", "--runs", "1", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in data["figures"]}
    for key in ("startup", "memory", "tickets_first", "tickets_end", "tickets_search_name3", "tickets_search_name2", "tickets_search_phone_tail",
                "tickets_search_initials", "tickets_stats_year",
                "tickets_filter", "roster_search", "assess_recompute", "assess_recompute_960k", "pdf_receipt", "export", "import", "generate"):
        assert key in figures, f"figure {key} missing from the results"
    errors = {k: f["note"] for k, f in figures.items() if f["status"] == "error"}
    assert not errors, errors
    for key in ("startup", "memory", "tickets_first", "generate"):
        assert figures[key]["status"] == "ok" and figures[key]["value"] is not None, figures[key]
    assert "figure" in proc.stdout and "median" in proc.stdout  # the table was printed
    assert data["machine"]["cpus"] and data["databases"]["county"]["counts"]["tickets"] > 0
