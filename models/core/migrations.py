"""Numbered schema migrations, one sqlite-utils Migrations set per domain.

Sets apply in the order below; inside a set, migrations apply in the order they
are defined. Never edit a released migration: add a new one.
"""

from models.assess import schema as assess
from models.core import schema as core
from models.election import schema as election
from models.handoff import schema as handoff
from models.notices import schema as notices
from models.roster import schema as roster
from models.service import schema as service

MIGRATION_SETS = [
    core.migrations,
    roster.migrations,
    service.migrations,
    assess.migrations,
    notices.migrations,
    handoff.migrations,
    election.migrations,
]
