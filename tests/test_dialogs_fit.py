"""Every dialog the window can open fits a 1366×768 screen with a 40 px taskbar (1366×728 free),
title bar included: opened in a real process on an offscreen screen of that size
(tests/dialog_sweep.py), each class of ui/ and each dialog built inline in a method."""

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ui.common.screen import FRAME_HEIGHT, FRAME_WIDTH

ROOT = Path(__file__).resolve().parent.parent
FREE_WIDTH, FREE_HEIGHT = 1366, 728
# Dialogs built inline (QDialog(self) in a method) per file; tests/dialog_sweep.py `inline` opens each.
INLINE_SITES = {"ui/assess/pages.py": 2, "ui/election/dialog.py": 1, "ui/core/settings_dialog.py": 1}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    screen = folder / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "township", "x": 0, "y": 0, "width": FREE_WIDTH,
                                               "height": FREE_HEIGHT, "logicalDpi": 96, "dpr": 1}]}))
    out = folder / "sweep.json"
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}", "XDG_CONFIG_HOME": str(folder),
           "XDG_DATA_HOME": str(folder)}
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "dialog_sweep.py"), str(out)], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def _dialog_classes() -> set[str]:
    import ui
    from PySide6.QtWidgets import QDialog

    for module in pkgutil.walk_packages(ui.__path__, "ui."):
        importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {c.__name__ for c in below(QDialog) if c.__module__.startswith("ui.")}


def test_the_sweep_opens_every_dialog_class_and_inline_dialog(sweep):
    assert sweep["screen"] == [FREE_WIDTH, FREE_HEIGHT]
    assert sweep["errors"] == {}
    measured = {d["class"] for d in sweep["dialogs"].values()}
    missing = _dialog_classes() - measured
    assert not missing, f"add these dialogs to tests/dialog_sweep.py DIALOGS: {sorted(missing)}"
    for path in (ROOT / "ui").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        count = len(re.findall(r"=\s*QDialog\(", path.read_text(encoding="utf-8")))
        assert count == INLINE_SITES.get(rel, 0), f"{rel}: an inline dialog to open in tests/dialog_sweep.py inline()"
    assert len(sweep["inline"]) >= len(INLINE_SITES)


def test_every_dialog_fits_1366_by_768(sweep):
    shown = [(name, d) for name, d in sweep["dialogs"].items()]
    shown += [(f"{name}: {d['title']}", d) for name, ds in sweep["inline"].items() for d in ds]
    assert len(shown) > 60
    too_big = [(name, d["width"], d["height"]) for name, d in shown
               if d["width"] + FRAME_WIDTH > FREE_WIDTH or d["height"] + FRAME_HEIGHT > FREE_HEIGHT
               or d["min_width"] + FRAME_WIDTH > FREE_WIDTH or d["min_height"] + FRAME_HEIGHT > FREE_HEIGHT]
    assert too_big == [], "shown larger than 1366×728 with the title bar"
    # Nothing is squeezed below what its layout needs (that would clip buttons or fields).
    squeezed = [(name, d["width"], d["height"]) for name, d in shown
                if d["width"] < d["min_width"] or d["height"] < d["min_height"]]
    assert squeezed == []
