"""Schema migrations of the election domain (see models/core/migrations.py).

A term change (换届) is one event; it has races (党委委员 / 书记 / 副书记 …, each
with its seats), self-nominees, recommendation (两推) tally sheets per unit,
candidate lists per race and ballot rounds per race (a run-off is round 2).
References to roster records (cadre, organ, post) are soft uuids.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("election")

for _name in ("election_events", "election_races", "election_nominees", "election_rec_units",
              "election_rec_votes", "election_candidates", "election_rounds", "election_round_votes"):
    register_travel_table(_name)


@migrations()
def m001_election(db: Database):
    create_travel_table(
        db, "election_events",
        "term_number INTEGER NOT NULL, title TEXT NOT NULL, event_date TEXT NOT NULL, "
        "rec_seats INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT '筹备', note TEXT, "
        "appointments_done_at TEXT",
    )
    db.execute("CREATE INDEX idx_election_events_date ON election_events(event_date)")
    create_travel_table(
        db, "election_races",
        "event_uuid TEXT NOT NULL REFERENCES election_events(uuid), name TEXT NOT NULL, "
        "kind TEXT NOT NULL, seats INTEGER NOT NULL, organ_uuid TEXT, post_uuid TEXT, "
        "woman_seat INTEGER NOT NULL DEFAULT 0, sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_election_races_event ON election_races(event_uuid, sort_order)")
    create_travel_table(
        db, "election_nominees",
        "event_uuid TEXT NOT NULL REFERENCES election_events(uuid), cadre_uuid TEXT, name TEXT NOT NULL, "
        "sex TEXT NOT NULL, birth_date TEXT NOT NULL, is_incumbent INTEGER NOT NULL DEFAULT 0, "
        "current_post TEXT, education TEXT, political_status TEXT, intended TEXT, "
        "shortlisted INTEGER NOT NULL DEFAULT 0, withdrawn INTEGER NOT NULL DEFAULT 0, note TEXT",
    )
    db.execute("CREATE INDEX idx_election_nominees_event ON election_nominees(event_uuid, name)")
    db.execute("CREATE INDEX idx_election_nominees_cadre ON election_nominees(cadre_uuid)")
    create_travel_table(
        db, "election_rec_units",
        "event_uuid TEXT NOT NULL REFERENCES election_events(uuid), name TEXT NOT NULL, kind TEXT, "
        "eligible_members INTEGER NOT NULL DEFAULT 0, eligible_reps INTEGER NOT NULL DEFAULT 0, "
        "present_members INTEGER NOT NULL DEFAULT 0, present_reps INTEGER NOT NULL DEFAULT 0, "
        "invalid_ballots INTEGER NOT NULL DEFAULT 0, held_on TEXT",
    )
    db.execute("CREATE INDEX idx_election_rec_units_event ON election_rec_units(event_uuid, name)")
    create_travel_table(
        db, "election_rec_votes",
        "unit_uuid TEXT NOT NULL REFERENCES election_rec_units(uuid), "
        "nominee_uuid TEXT NOT NULL REFERENCES election_nominees(uuid), votes INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_election_rec_votes_unit ON election_rec_votes(unit_uuid, nominee_uuid)")
    db.execute("CREATE INDEX idx_election_rec_votes_nominee ON election_rec_votes(nominee_uuid)")
    create_travel_table(
        db, "election_candidates",
        "race_uuid TEXT NOT NULL REFERENCES election_races(uuid), "
        "nominee_uuid TEXT NOT NULL REFERENCES election_nominees(uuid), sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_election_candidates_race ON election_candidates(race_uuid, sort_order)")
    create_travel_table(
        db, "election_rounds",
        "race_uuid TEXT NOT NULL REFERENCES election_races(uuid), round_no INTEGER NOT NULL, "
        "expected INTEGER NOT NULL DEFAULT 0, present INTEGER NOT NULL, ballots_returned INTEGER NOT NULL, "
        "ballots_invalid INTEGER NOT NULL DEFAULT 0, held_on TEXT",
    )
    db.execute("CREATE INDEX idx_election_rounds_race ON election_rounds(race_uuid, round_no)")
    create_travel_table(
        db, "election_round_votes",
        "round_uuid TEXT NOT NULL REFERENCES election_rounds(uuid), "
        "nominee_uuid TEXT NOT NULL REFERENCES election_nominees(uuid), votes INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_election_round_votes_round ON election_round_votes(round_uuid, nominee_uuid)")


@migrations()
def m002_linked_races(db: Database):
    """Races that may be held together with another leadership post, and the
    close of self-nomination (incumbents who did not nominate are withdrawn)."""
    db.execute("ALTER TABLE election_races ADD COLUMN may_combine INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE election_events ADD COLUMN nominations_closed_at TEXT")
