"""One read snapshot: reads inside the block see one state of the file.

Kept apart (no imports beyond the standard library) so that audit, which
records imports, can use it too."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def read_snapshot(db):
    """A read transaction around the block; inside the caller's own
    transaction, that one (nothing is begun or ended here)."""
    own = not db.conn.in_transaction
    if own:
        db.conn.execute("BEGIN")
    try:
        yield
    finally:
        if own:
            db.conn.execute("COMMIT")
