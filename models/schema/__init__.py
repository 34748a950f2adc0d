"""Numbered schema migrations, one sqlite-utils Migrations set per domain.

Sets apply in the order below; inside a set, migrations apply in the order they
are defined. Never edit a released migration: add a new one.
"""

from models.schema import assess, core, election, handoff, notices, roster, service

MIGRATION_SETS = [
    core.migrations,
    roster.migrations,
    service.migrations,
    assess.migrations,
    notices.migrations,
    handoff.migrations,
    election.migrations,
]
