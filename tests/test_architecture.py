"""The layering rules, read from the source (AST, not grep, so comments and
Chinese text do not count):

- models/ and reports/ never import Qt (PySide6), never import ui/ or cli/;
- ui/ holds no SQL and opens no transaction (no execute/atomic/commit/rollback,
  no BEGIN/COMMIT strings, no sqlite3): every query and every write is a
  models/ function, so it has one transaction and one audit row;
- the modules of models/ import each other without a circle (imports inside
  functions count too: a circle hidden in a function is still a circle; an
  import under `if TYPE_CHECKING:` is for annotations only and never runs);
- no ui/ module tells the tabs by hand (`ctx.notify(...)`) that it changed
  data: a write goes through ui/common/action.run_op, which declares its
  changes once and tells every tab (issue 13, point 4);
- every write of the window runs on a worker connection that run_op opens:
  ui/ never hands the window's own connection (`….db`) to a models/ function
  that writes (one that opens a transaction or writes a row, or calls one that
  does, found through the calls of models/), and only ui/common/action.py opens
  a worker connection (run_op for actions, run_query read-only for reads); any
  other open_database in ui/ is on DATABASE_OPENERS_ALLOWED with its reason.

The checker is tried first on a small tree with one violation of each kind, so
a checker that finds nothing cannot pass unnoticed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A string that starts like an SQL statement (upper-case keywords, as this code writes them).
SQL_RE = re.compile(r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\[?\w+\]?\s+SET\s|DELETE\s+FROM\s|"
                    r"CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)|DROP\s+|ALTER\s+TABLE|PRAGMA\s|BEGIN\b|COMMIT\b|ROLLBACK\b|"
                    r"SAVEPOINT\s|RELEASE\s|WITH\s+\w+\s+AS\s*\()", re.S)
DB_CALLS = {"execute", "executemany", "executescript", "atomic", "commit", "rollback", "query"}
FORBIDDEN_IN_DOMAIN = ("PySide6", "shiboken6", "ui", "cli")

# Files that may still call .notify( by hand, each with its reason.
HAND_NOTIFY_ALLOWED = {
    "ui/common/action.py": "run_op itself: it tells the tabs what the action declared",
}


def _modules(base: Path, package: str) -> list[Path]:
    return sorted(p for p in (base / package).rglob("*.py") if "__pycache__" not in p.parts)


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))
              and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.append((node.lineno, node.args[0].value))
    return out


def domain_violations(base: Path) -> list[str]:
    """models/ or reports/ importing Qt, ui/ or cli/."""
    found = []
    for package in ("models", "reports"):
        for path in _modules(base, package):
            for line, name in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
                top = name.split(".")[0]
                if top in FORBIDDEN_IN_DOMAIN:
                    found.append(f"{path.relative_to(base)}:{line} imports {name}")
    return found


def ui_violations(base: Path) -> list[str]:
    """ui/ holding SQL, calling the database directly or opening a transaction."""
    found = []
    for path in _modules(base, "ui"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(base)
        for line, name in _imported_names(tree):
            if name.split(".")[0] in ("sqlite3", "sqlite_utils"):
                found.append(f"{where}:{line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_RE.match(node.value):
                found.append(f"{where}:{node.lineno} SQL {node.value[:40]!r}")
            elif isinstance(node, ast.JoinedStr):
                # an interpolated part stands for a name: f"UPDATE [{table}] SET ..."
                text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
                               for v in node.values)
                if SQL_RE.match(text):
                    found.append(f"{where}:{node.lineno} SQL {text[:40]!r}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DB_CALLS:
                owner = ast.unparse(node.func.value)
                # db.execute(...), ctx.db.atomic(), conn.commit(), self.db.conn.rollback() ...
                if re.search(r"(^|\.)(db|conn|database|connection)$", owner):
                    found.append(f"{where}:{node.lineno} {owner}.{node.func.attr}()")
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    expr = ast.unparse(item.context_expr)
                    if re.search(r"\b(atomic|transaction|savepoint)\b", expr):
                        found.append(f"{where}:{node.lineno} with {expr}")
    return found


def hand_notify_calls(base: Path) -> list[str]:
    """ui/ modules calling something.notify(...) (a tab told by hand that data changed)."""
    found = []
    for path in _modules(base, "ui"):
        where = path.relative_to(base).as_posix()
        if where in HAND_NOTIFY_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "notify":
                found.append(f"{where}:{node.lineno} {ast.unparse(node.func)}()")
    return found


# ---- writes on the window's connection -------------------------------------------

WRITE_SQL_RE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.I)
WORKER_OPENERS_ALLOWED = {"ui/common/action.py": "run_op and run_query open and close every worker connection"}
# ui/ files that open a database connection themselves (models.core.db.open_database), each with its reason.
DATABASE_OPENERS_ALLOWED = {
    "ui/common/action.py": "the worker connections of run_op and run_query",
    "ui/app.py": "the window's own connection, opened once (with the dialogs when the file cannot be opened)",
    "ui/main_window.py": "the manual and the daily backup copy the file on a connection of their own; they write no row",
    "ui/core/selftest.py": "the build's self test fills a scratch database of its own, never the office's",
}
# models/ functions that write but are no action of the user, each with its reason.
WRITERS_ALLOWED_ON_THE_WINDOWS_CONNECTION = {
    "models.service.tickets.flush_fts": "the ledger's search brings the search index up to date with ticket rows "
                                        "another program queued (derived data in one short transaction, no audit "
                                        "row, nothing the user changed); every ticket action flushes inside its "
                                        "own transaction, so the queue is empty unless another program wrote",
}


def _module_name(base: Path, path: Path) -> str:
    return ".".join(path.relative_to(base).with_suffix("").parts).removesuffix(".__init__")


def _aliases(tree: ast.AST, module: str) -> dict[str, str]:
    """Local name -> dotted name of what it is bound to by an import (any scope)."""
    out = {}
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    out[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            source = node.module if node.level == 0 else f"{package}.{node.module}"
            for a in node.names:
                out[a.asname or a.name] = f"{source}.{a.name}"
    return out


def _called_name(func: ast.expr, aliases: dict[str, str], module: str, local: set[str]) -> str | None:
    """The dotted name a call reaches: f() in this module, alias.f(), package.module.f()."""
    if isinstance(func, ast.Name):
        if func.id in aliases:
            return aliases[func.id]
        return f"{module}.{func.id}" if func.id in local else None
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name) and func.id in aliases:
        return ".".join([aliases[func.id], *reversed(parts)])
    return None


def model_writers(base: Path) -> set[str]:
    """Dotted names of the models/ functions that write: they open a transaction
    (`.atomic(`), run an INSERT/UPDATE/DELETE…, or call a function that does."""
    calls: dict[str, set[str]] = {}
    writes: set[str] = set()
    for path in _modules(base, "models"):
        module = _module_name(base, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _aliases(tree, module)
        top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for fn in (n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            name = f"{module}.{fn.name}"
            calls[name] = set()
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                if isinstance(node.func, ast.Attribute) and node.func.attr == "atomic":
                    writes.add(name)
                elif (isinstance(node.func, ast.Attribute) and node.func.attr in ("execute", "executemany")
                      and node.args and isinstance(node.args[0], ast.Constant)
                      and isinstance(node.args[0].value, str) and WRITE_SQL_RE.match(node.args[0].value)):
                    writes.add(name)
                target = _called_name(node.func, aliases, module, top)
                if target:
                    calls[name].add(target)
    writes -= set(WRITERS_ALLOWED_ON_THE_WINDOWS_CONNECTION)
    changed = True
    while changed:  # a function that calls a writer writes (an allowed one is not followed)
        changed = False
        for name, targets in calls.items():
            if name not in writes and name not in WRITERS_ALLOWED_ON_THE_WINDOWS_CONNECTION and targets & writes:
                writes.add(name)
                changed = True
    return writes


def gui_connection_writes(base: Path) -> list[str]:
    """ui/ calling a models/ writer with the window's own connection (an argument
    `….db`: ctx.db, self.ctx.db, self.db, or a name bound to one), or opening a
    worker connection outside ui/common/action.py."""
    writers = model_writers(base)
    found: list[str] = []
    for path in _modules(base, "ui"):
        module = _module_name(base, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += _gui_writes_in(tree, path.relative_to(base).as_posix(), module, _aliases(tree, module), writers)
    return found


def _gui_writes_in(tree: ast.AST, where: str, module: str, aliases: dict[str, str], writers: set[str]) -> list[str]:
    found = []

    def check(node: ast.Call, gui_names: frozenset[str]) -> None:
        if (isinstance(node.func, ast.Attribute) and node.func.attr in ("open_worker_db", "open_worker_connection")
                and where not in WORKER_OPENERS_ALLOWED):
            found.append(f"{where}:{node.lineno} {ast.unparse(node.func)}() outside run_op/run_query")
            return
        target = _called_name(node.func, aliases, module, set())
        if target == "models.core.db.open_database" and where not in DATABASE_OPENERS_ALLOWED:
            found.append(f"{where}:{node.lineno} open_database() outside run_op/run_query")
            return
        if target not in writers:
            return
        args = list(node.args) + [k.value for k in node.keywords]
        gui = [a for a in args if (isinstance(a, ast.Attribute) and a.attr == "db")
               or (isinstance(a, ast.Name) and a.id in gui_names)]
        if gui:
            found.append(f"{where}:{node.lineno} {ast.unparse(node.func)}({ast.unparse(gui[0])}, …) writes on "
                         "the window's connection")

    def visit(node: ast.AST, gui_names: frozenset[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # a parameter hides an outer name: `lambda db, progress: …` is the worker's connection
            params = {a.arg for a in node.args.args + node.args.kwonlyargs}
            # `db = self.ctx.db` inside the function: that name is the window's connection too
            bound = {t.id for n in ast.walk(node) if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Attribute) and n.value.attr == "db"
                     for t in n.targets if isinstance(t, ast.Name)}
            gui_names = (gui_names - params) | (bound - params)
        if isinstance(node, ast.Call):
            check(node, gui_names)
        for child in ast.iter_child_nodes(node):
            visit(child, gui_names)

    visit(tree, frozenset())
    return found


def import_cycles(base: Path) -> list[list[str]]:
    """Groups of models/ modules that import each other in a circle (Tarjan's strongly connected components)."""
    modules = {}
    for path in _modules(base, "models"):
        name = ".".join(path.relative_to(base).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                     and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                     for stmt in block.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    graph[name].add(target if target in modules else node.module)
            elif isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names)
        graph[name] = {t for t in graph[name] if t in modules and t != name}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def _write(base: Path, relative: str, text: str) -> None:
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checker_finds_each_kind_of_violation(tmp_path):
    _write(tmp_path, "models/a.py", "from PySide6.QtCore import QObject\n")
    _write(tmp_path, "models/b.py", "import ui.main_window\n")
    _write(tmp_path, "reports/c.py", "def f():\n    from ui.common import worker\n")
    _write(tmp_path, "reports/d.py", "import importlib\nimportlib.import_module('PySide6.QtGui')\n")
    _write(tmp_path, "models/fine.py", "# PySide6 is mentioned in a comment only\nTEXT = '界面 ui'\n")
    _write(tmp_path, "ui/e.py", "def f(ctx):\n    return ctx.db.execute('SELECT 1 FROM t').fetchone()\n")
    _write(tmp_path, "ui/f.py", "def f(ctx):\n    with ctx.db.atomic():\n        pass\n")
    _write(tmp_path, "ui/g.py", "Q = ('SELECT name FROM cadres '\n     'WHERE deleted = 0')\n")
    _write(tmp_path, "ui/h.py", "def f(db):\n    db.conn.commit()\n")
    _write(tmp_path, "ui/i.py", "import sqlite3\n")
    _write(tmp_path, "ui/j.py", "def f(t):\n    return f'UPDATE {t} SET x = 1'\n")
    _write(tmp_path, "ui/fine.py", "LABEL = '选择（SELECT）一项'\nHINT = 'Select a row'\n")
    domain = domain_violations(tmp_path)
    assert [v.split(":")[0] for v in domain] == ["models/a.py", "models/b.py", "reports/c.py", "reports/d.py"]
    ui = ui_violations(tmp_path)
    assert sorted({v.split(":")[0] for v in ui}) == ["ui/e.py", "ui/f.py", "ui/g.py", "ui/h.py", "ui/i.py", "ui/j.py"]


def test_the_notify_checker_finds_a_hand_written_notify(tmp_path):
    _write(tmp_path, "ui/a.py", "def save(self):\n    model.write(self.ctx.db)\n    self.ctx.notify('roster')\n")
    _write(tmp_path, "ui/b.py", "def f(ctx):\n    notify = ctx.notify\n    ctx.notify(area='all')\n")
    _write(tmp_path, "ui/fine.py", "class Context:\n    def notify(self, area):\n        self.changed.emit(area)\n"
                                   "TEXT = 'ctx.notify(x)'\n")
    _write(tmp_path, "ui/common/action.py", "def run_op(ctx):\n    ctx.notify('all')\n")
    assert hand_notify_calls(tmp_path) == ["ui/a.py:3 self.ctx.notify()", "ui/b.py:3 ctx.notify()"]


def test_no_ui_module_tells_the_tabs_by_hand():
    assert hand_notify_calls(ROOT) == []
    for where in HAND_NOTIFY_ALLOWED:  # the allow-list names files that exist
        assert (ROOT / where).exists(), where


def test_the_cycle_finder_sees_a_circle_through_a_function(tmp_path):
    _write(tmp_path, "models/__init__.py", "")
    _write(tmp_path, "models/a/__init__.py", "")
    _write(tmp_path, "models/a/one.py", "from models.a import two\n")
    _write(tmp_path, "models/a/two.py", "def f():\n    from models.a.three import g\n")
    _write(tmp_path, "models/a/three.py", "import models.a.one\n")
    _write(tmp_path, "models/a/four.py", "from models.a import one\n")
    # an annotation-only import back is not a circle (eight ↔ nine), one in the else branch is (six ↔ seven)
    _write(tmp_path, "models/a/eight.py", "from models.a import nine\n")
    _write(tmp_path, "models/a/nine.py", "from typing import TYPE_CHECKING\n"
                                         "if TYPE_CHECKING:\n    from models.a.eight import Thing\n")
    _write(tmp_path, "models/a/six.py", "from typing import TYPE_CHECKING\nimport models.a.four\n"
                                        "if TYPE_CHECKING:\n    pass\nelse:\n    from models.a import seven\n")
    _write(tmp_path, "models/a/seven.py", "import models.a.six\n")
    assert import_cycles(tmp_path) == [["models.a.one", "models.a.three", "models.a.two"],
                                       ["models.a.seven", "models.a.six"]]


def test_models_import_each_other_without_a_circle():
    assert import_cycles(ROOT) == []


def test_models_and_reports_never_import_qt_or_ui():
    assert domain_violations(ROOT) == []


def test_ui_holds_no_sql_and_opens_no_transaction():
    assert ui_violations(ROOT) == []


def test_the_write_checker_finds_a_write_on_the_windows_connection(tmp_path):
    _write(tmp_path, "models/__init__.py", "")
    _write(tmp_path, "models/core/__init__.py", "")
    _write(tmp_path, "models/core/records.py", "def insert(db, table, values):\n    with db.atomic():\n        pass\n"
                                               "def rows(db, sql):\n    return db.execute(sql).fetchall()\n")
    _write(tmp_path, "models/roster.py", "from models.core import records\n"
                                         "def add(db, name):\n    return _store(db, name)\n"
                                         "def _store(db, name):\n    return records.insert(db, 'cadres', {})\n"
                                         "def touch(db):\n    db.execute('UPDATE cadres SET x = 1')\n"
                                         "def names(db):\n    return records.rows(db, 'SELECT name FROM cadres')\n")
    assert model_writers(tmp_path) == {"models.core.records.insert", "models.roster.add", "models.roster._store",
                                       "models.roster.touch"}
    _write(tmp_path, "ui/a.py", "from models import roster\n"
                                "def save(self):\n    roster.add(self.ctx.db, 'x')\n")
    _write(tmp_path, "ui/b.py", "from models.roster import touch\n"
                                "def save(self):\n    touch(db=self.db)\n")
    _write(tmp_path, "ui/c.py", "def work(ctx):\n    db = ctx.open_worker_db()\n")
    _write(tmp_path, "ui/e.py", "def work(path):\n    from models.core.db import open_database\n"
                                "    return open_database(path)\n")
    _write(tmp_path, "ui/d.py", "from models import roster\n"
                                "def save(self):\n    db = self.ctx.db\n    roster.add(db, 'x')\n"
                                "    run_op(self, self.ctx, lambda db, _p: roster.add(db, 'y'), changes={'roster'})\n")
    _write(tmp_path, "ui/fine.py", "from models import roster\nfrom ui.common.action import run_op\n"
                                   "def save(self, ctx):\n    names = roster.names(ctx.db)\n"
                                   "    run_op(self, ctx, lambda db, _p: roster.add(db, 'x'), changes={'roster'})\n")
    _write(tmp_path, "ui/common/action.py", "def run_op(parent, ctx, op):\n    db = ctx.open_worker_db()\n")
    assert [v.split(" ")[0] for v in gui_connection_writes(tmp_path)] == ["ui/a.py:3", "ui/b.py:3", "ui/c.py:2",
                                                                                  "ui/d.py:4", "ui/e.py:3"]


def test_the_window_writes_only_through_the_action_helper():
    writers = model_writers(ROOT)
    # the checker knows the writers it guards against (a checker that finds none would pass anything)
    assert {"models.core.users.login", "models.core.users.set_password", "models.core.township.first_run",
            "models.core.exports.export_table_xlsx", "models.roster.io.export_roster",
            "models.service.tickets.create_ticket"} <= writers
    assert "models.roster.team.whereabouts_board" not in writers
    assert gui_connection_writes(ROOT) == []
    for where in [*WORKER_OPENERS_ALLOWED, *DATABASE_OPENERS_ALLOWED]:
        assert (ROOT / where).exists(), where
    for name in WRITERS_ALLOWED_ON_THE_WINDOWS_CONNECTION:  # the allow-list names functions that exist
        module, function = name.rsplit(".", 1)
        assert f"def {function}(" in (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"), name
