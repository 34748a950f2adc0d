"""What every process does once at start (window and command line alike).

Settings are declared with `models.core.settings.register(...)` in the domain
module that uses them. So that 设置 → 参数 lists every setting no matter which
tabs were opened, the start of the program imports each of those modules here,
from this one list. Notice kinds are registered the same way. A module that
declares settings or notice kinds and is missing from its list fails
tests/test_startup.py.
"""

from __future__ import annotations


def register_all_settings() -> None:
    """Import every module that declares settings (importing runs its register calls)."""
    # The one list. Add a line here when a new module calls settings.register.
    from models.core import xlsx_safety  # noqa: F401
    from models.roster import rules  # noqa: F401
    from models.service import tickets  # noqa: F401
    from models.assess import scorecard  # noqa: F401
    from models.assess import rewards  # noqa: F401
    from models.assess import results  # noqa: F401
    from models.election import term  # noqa: F401
    from models.notices import registry  # noqa: F401
    from models.core import users  # noqa: F401


def register_all_notice_kinds() -> None:
    """Import every module that registers notice kinds (models/notices/registry.py
    holds the engine and the service, assessment and election kinds; a domain
    module that gathers its own notices registers them when imported)."""
    # The one list. Add a line here when a new module calls registry.register_kind.
    from models.notices import registry  # noqa: F401
    from models.roster import notices  # noqa: F401


def start() -> None:
    """Everything a fresh process needs before it shows or prints anything."""
    register_all_settings()
    register_all_notice_kinds()
