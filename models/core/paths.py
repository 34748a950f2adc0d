"""Where files live: bundled resources, the user's data folder."""

import sys
from pathlib import Path

import platformdirs

from models import APP_ID


def resource_dir() -> Path:
    """The resources/ folder, also inside a PyInstaller build (sys._MEIPASS)."""
    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)


def bundled_font_path() -> Path:
    return resource_path("fonts", "wqy-microhei.ttc")


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def default_db_path() -> Path:
    return user_data_dir() / "township.db"


def backup_dir_for(db_path) -> Path:
    """Backups sit in a folder beside the database, named after it."""
    p = Path(db_path)
    return p.parent / f"{p.stem}-backups"
