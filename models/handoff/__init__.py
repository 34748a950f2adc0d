"""USB hand-off between township and county: encrypted packages, an
idempotent merge, reference data back (see issue 7).

    export_package(db, out_path, password, actor, full=False)  -> ExportResult
    import_package(db, path, password, actor)                  -> ImportSummary
"""

import importlib

# Issue 22: imported on first use, not with the package, so that opening a
# database (which imports models.handoff.schema) does not load the merge,
# the package format and cryptography before the window's first paint.
# The program imports these from their modules by name (ui/handoff, cli/handoff:
# typed and direct, issue 13); the short names here serve scripts and tests.
_WHERE = {
    "ExportResult": "export", "export_package": "export", "suggested_file_name": "export",
    "ImportSummary": "merge", "conflict_detail": "merge", "import_package": "merge", "list_conflicts": "merge",
    "list_packages": "merge", "resolve_conflict": "merge", "NewTownshipKey": "merge", "new_township_key": "merge",
    "PackageError": "package", "WrongPasswordError": "package", "read_manifest": "package",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'models.handoff' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"models.handoff.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
