"""The rows that go from a domain to the notices and reports are typed
(models/notices/contracts.py and the domains' *ForNotice TypedDicts), and
`make lint` (mypy) checks every key: these tests take real source files,
misspell one key in a copy, and run mypy on it as `make lint` does.

Each case first shows the untouched copy passes, so the error comes from the
misspelled key and from nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (file, what is replaced, by what, what mypy must say)
CASES = [
    # a renderer reads a key its kind's data does not have
    ("reports/notices/roster.py", 'for m in data["members"]', 'for m in data["member"]',
     'TypedDict "DutiesNotice" has no key "member"'),
    ("reports/notices/assess.py", 'r["veto_items"]', 'r["veto_item"]',
     'TypedDict "NoticeResultRow" has no key "veto_item"'),
    ("reports/notices/election.py", 'data["notes"]', 'data["note"]', 'TypedDict "ElectionNotice" has no key "note"'),
    ("reports/notices/service.py", 'r["progress_query"]', 'r["progress_querry"]',
     'TypedDict "ReceiptSheet" has no key "progress_querry"'),
    # a gatherer writes a key the renderer's type does not know
    ("models/roster/notices.py", '"duty_areas": _join(m["duty_areas"])', '"duty_area": _join(m["duty_areas"])',
     'Extra key "duty_area" for TypedDict "DutiesMember"'),
    # a gatherer reads a key the domain's row does not have
    ("models/notices/registry.py", 'result["missing_rule_label"]', 'result["missing_rules_label"]',
     'TypedDict "ResultsForNotice" has no key "missing_rules_label"'),
    ("models/roster/notices.py", 'm["contact_points"]', 'm["contact_point"]',
     'TypedDict "DutyDivision" has no key "contact_point"'),
    # a kind's printer calls the renderer of another kind
    ("models/notices/registry.py", "    from reports.notices.roster import render_whereabouts\n"
                                   "    return render_whereabouts(data,",
     "    from reports.notices.roster import render_pre_appointment\n    return render_pre_appointment(data,",
     'incompatible type "WhereaboutsNotice"; expected "PreAppointmentNotice"'),
    # the table of kinds joins a gatherer to the printer of another kind
    ("models/notices/registry.py", "gather_whereabouts,\n               _print_whereabouts,",
     "gather_whereabouts,\n               _print_pre_appointment,", 'Cannot infer value of type parameter "Data"'),
    # a domain builds its row with a misspelled key
    ("models/assess/rewards.py", '"curve_text": f"村党组织书记', '"curve_txt": f"村党组织书记',
     'Extra key "curve_txt" for TypedDict "CountyRewardsForNotice"'),
]


def mypy(path: Path) -> subprocess.CompletedProcess:
    # The repository's mypy.ini, run from the repository (its cache makes a run take about a second).
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy.ini"), str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("source, old, new, message", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_misspelled_key_fails_the_type_check(tmp_path, source, old, new, message):
    text = (ROOT / source).read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{source} no longer has {old!r}: update this case"
    copy = tmp_path / ("checked_" + Path(source).name)
    copy.write_text(text, encoding="utf-8")
    clean = mypy(copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    broken = mypy(copy)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert message in broken.stdout, broken.stdout


def test_every_renderer_takes_its_kinds_typed_data():
    """No renderer in reports/notices/ takes a plain dict any more (its keys would go unchecked)."""
    import ast

    loose = []
    for path in sorted((ROOT / "reports" / "notices").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("render"):
                first = node.args.args[0].annotation if node.args.args else None
                text = ast.unparse(first) if first is not None else ""
                if text in ("", "dict", "list[dict]") or text.startswith("dict["):
                    loose.append(f"{path.name}:{node.name}({text or 'unannotated'})")
    assert loose == []
