"""The bundled Chinese font, registered with Qt so every PC looks the same."""

from PySide6.QtGui import QFont, QFontDatabase

from models.core.paths import bundled_font_path

_family = None


def register_fonts(app=None) -> str:
    """Load the bundled font into Qt and make it the application font.
    Returns its family name ('' if it could not be loaded)."""
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(bundled_font_path()))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _family = families[0] if families else ""
    if app is not None and _family:
        font = QFont(_family, 10)
        app.setFont(font)
    return _family


def notice_font_rows() -> list[list[str]]:
    """For the settings page: each notice role's font, its source and file
    (the notice fonts are registered with reportlab, not with Qt)."""
    from reports import fonts

    rows = [[r["label"], r["font"], r["source"], r["path"]] for r in fonts.report()]
    rows += [["生僻字补字", label, "内置", filename] for filename, label in fonts.FALLBACK_FONTS]
    return rows
