"""What `check` verifies and what it says, for the command line (cli/core.py
cmd_check) and the window (设置 → 审计日志 → 完整核对) alike: integrity, the
audit chain and sealed rows (from the mark of the last clean check unless
full), row counts, the domains' rule checks; the lines that report them; and
the mark a clean check leaves for the next one. The words naming the full
check differ (`check --full` on the command line, the window's button), the
wording does not (audit.chain_coverage, audit.rows_coverage)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

# How each side names the full check in "… needs <it> to be found".
FULL_CHECK_CLI = "check --full"


def domain_checks(db) -> list[tuple[str, str]]:
    """Each domain's rule checks that `check` also runs: (level, message) with
    level 'error' or 'warning'. Errors make check exit 1; warnings are printed only."""
    from models.assess import checks as assess_checks
    from models.election import term as election
    from models.roster import rules as roster_rules
    from models.service import checks as service_checks

    findings: list[tuple[str, str]] = []
    for check_findings in (roster_rules.check_findings, service_checks.check_findings,
                           assess_checks.check_findings, election.check_findings):
        findings.extend(check_findings(db))
    return findings


def gather_check(db, full: bool, mark: dict | None, progress=None) -> dict:
    """Everything `check` verifies, in its order (bench/fig_check.py measures
    this). progress(seconds) is called about once a second during the long
    parts (integrity_check, hashing the audit log and the rows); what it
    raises stops the check."""
    from models.core import audit
    from models.core.db import integrity_of, known_migrations, row_counts, schema_version, sqlite_progress

    started = time.monotonic()
    integrity = integrity_of(db, full, None if progress is None else (lambda _s: progress(time.monotonic() - started)))
    with sqlite_progress(db.conn, progress, started):
        history = audit.check_history(db, full, mark)
    with sqlite_progress(db.conn, progress, started):
        emptied = not history.chain.count and audit.audit_log_is_emptied(db)
        counts = row_counts(db, {"audit_log": history.chain.count})
        findings = domain_checks(db)
    return {"integrity": integrity, "schema_version": schema_version(db.conn),
            "schema_latest": len(known_migrations()), "history": history, "emptied": emptied,
            "counts": counts, "findings": findings, "seconds": time.monotonic() - started}


def remember_if_clean(path, found: dict) -> bool:
    """Keep the mark a clean check left (with the time of the last full
    check) for the next check; a check that found anything keeps the old one."""
    from models.core.db import remember_check_mark

    history = found["history"]
    if history.mark is None or found["emptied"]:
        return False
    remember_check_mark(Path(path), history.mark)
    return True


@dataclass
class CheckReport:
    healthy: bool
    lines: list[str]  # what check prints, in order
    findings: int  # problems found in the audit log and the rows


_FINDING_TABLE = re.compile(r"^([a-z_]+) 中")


def finding_for_people(line: str) -> str:
    """A row finding ('tickets 中的记录 …') with the table's Chinese name first,
    for the window (the SQL name stays: a technician looks the row up by it)."""
    from models.core.labels import table_label

    return _FINDING_TABLE.sub(lambda m: f"{table_label(m[1])}（{m[1]}）中", line, count=1)


def report(path, found: dict, full: bool, mark: dict | None, full_check: str = FULL_CHECK_CLI,
           for_people: bool = False) -> CheckReport:
    """The lines `check` prints; `full_check` names the full check where the
    default says what it did not cover; for_people (the window): row findings
    name the table in Chinese, and the rows per table (by their SQL names) are
    left out."""
    named = finding_for_people if for_people else (lambda line: line)
    from models.core import audit

    history = found["history"]
    healthy = found["integrity"] == "ok"
    lines = [f"数据库：{path}"]
    mode = ("完整检查 integrity_check" if full else
            "快速检查 quick_check，每天一次或文件有异常时运行；逐一核对索引请用"
            + (" --full" if full_check == FULL_CHECK_CLI else full_check))
    lines.append(f"完整性：{found['integrity']}（{mode}）")
    lines.append(f"结构版本：{found['schema_version']}（程序最新 {found['schema_latest']}）")
    if history.chain.problems:
        healthy = False
        lines.append("审计日志：被篡改")
        lines += [f"  - {line}" for line in history.chain.problems[:20]]
    elif found["emptied"]:
        healthy = False
        lines.append("审计日志：被清空（数据库中有用户或数据，却没有任何审计记录）")
    else:
        coverage = audit.chain_coverage(history.chain, mark, full, full_check)
        lines.append("审计日志：完整" + (f"（{coverage}）" if coverage else ""))
    tampered = history.rows.problems
    if tampered:
        healthy = False
        lines.append(f"数据记录：有 {len(tampered)} 处在程序之外被改动" + ("（只列出前 200 处）" if len(tampered) >= 200 else ""))
        lines += [f"  - {named(line)}" for line in tampered[:20]]
    else:
        lines.append("数据记录：" + audit.rows_coverage(history, full_check))
    if not for_people:
        lines.append("行数：")
        lines += [f"  {table}: {n}" for table, n in found["counts"].items()]
    findings = found["findings"]
    if any(level == "error" for level, _ in findings):
        healthy = False
    if findings:
        lines.append("规则检查：")
        lines += [f"  [{'错误' if level == 'error' else '提醒'}] {message}" for level, message in findings]
    lines.append("结论：" + ("正常" if healthy else "有问题"))
    return CheckReport(healthy, lines, len(history.chain.problems) + len(tampered))


@dataclass
class FullCheck:
    """What the window's 完整核对 found and says."""
    report: CheckReport
    seconds: float
    finished_at: str  # local time, "YYYY-MM-DD HH:MM:SS"
    audit_rows: int  # audit rows hashed
    sealed_rows: int  # sealed records hashed
    remembered: bool  # the mark (and the time of this full check) was kept for the next check

    def summary(self) -> str:
        checked = (f"数据库逐页核对（integrity_check），审计日志 {self.audit_rows} 条、"
                   f"封记的记录 {self.sealed_rows} 条逐条重新核对")
        took = f" {self.seconds:.0f} 秒" if self.seconds >= 1 else "不到 1 秒"
        when = f"于 {self.finished_at} 完成，用时{took}"
        if self.report.healthy:
            return f"完整核对：未发现问题。{checked}；{when}。"
        found = f"发现 {self.report.findings} 处问题" if self.report.findings else "发现问题"
        return f"完整核对：{found}（见下方各行）。{checked}；{when}。"


def full_check(db, path, progress=None) -> FullCheck:
    """What `check --full` runs and keeps (the mark, with this time as the last
    full check), for the window; progress(seconds) as for gather_check."""
    import datetime as dt

    found = gather_check(db, True, None, progress)
    remembered = remember_if_clean(path, found)
    history = found["history"]
    return FullCheck(report(path, found, True, None, for_people=True), found["seconds"],
                     dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), history.chain.count,
                     history.rows.hashed, remembered)


def audit_state(db, path, full_check: str, progress=None) -> tuple[str, bool]:
    """The audit log's line of 设置 → 审计日志: the chain verified from the last
    clean check's mark (as `check` does), what that did not cover, in the
    window's words; (text, sound)."""
    from models.core import audit
    from models.core.db import check_mark, sqlite_progress

    mark = check_mark(Path(path))
    with sqlite_progress(db.conn, progress, time.monotonic()):
        chain = audit.check_chain(db, mark)
    if chain.problems:
        return "警告：" + "；".join(chain.problems[:3]), False
    coverage = audit.chain_coverage(chain, mark, False, full_check) if chain.trusted_upto else None
    return "审计日志完整，未被改动。" + (f"（{coverage}）" if coverage else ""), True
