"""USB hand-off between township and county: encrypted packages, an
idempotent merge, reference data back (see issue 7).

    export_package(db, out_path, password, actor, full=False)  -> ExportResult
    import_package(db, path, password, actor)                  -> ImportSummary
"""

from models.handoff.export import ExportResult, export_package, suggested_file_name
from models.handoff.merge import (ImportSummary, conflict_detail, import_package, list_conflicts, list_packages,
                                  resolve_conflict)
from models.handoff.package import PackageError, WrongPasswordError, read_manifest

__all__ = [
    "ExportResult", "ImportSummary", "PackageError", "WrongPasswordError", "conflict_detail", "export_package",
    "import_package", "list_conflicts", "list_packages", "read_manifest", "resolve_conflict", "suggested_file_name",
]
