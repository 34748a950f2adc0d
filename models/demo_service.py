"""Demo data of the service domain (called by models/demo.py)."""


def fill(db, rng, actor, options) -> None:
    """Add this domain's demo rows. rng is a seeded random.Random."""
