"""Data hand-off: export/import dialogs, conflicts, the county comparison."""
