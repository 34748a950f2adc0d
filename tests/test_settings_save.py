"""设置 → 参数 saves through models.core.settings.set_many: all or nothing, audited."""

import pytest

from models.core import audit, settings
from models.core.errors import ValidationError
from models.startup import register_all_settings

register_all_settings()  # as the program does at start: every setting has its type


def test_set_many_saves_changed_settings_with_audit_rows(db, admin):
    before = len(audit.recent(db, table_name="settings"))
    changed = settings.set_many(db, {"backup_keep": 12, "supervision_phone": settings.get(db, "supervision_phone")},
                                admin)
    assert changed == ["backup_keep"]
    assert settings.get(db, "backup_keep") == 12
    assert len(audit.recent(db, table_name="settings")) == before + 1


def test_set_many_with_one_bad_value_saves_nothing(db, admin):
    with pytest.raises(ValidationError) as e:
        settings.set_many(db, {"backup_keep": 7, "database_mode": "county", "notice_period_workdays": "五"}, admin)
    assert "必须是整数" in e.value.message
    assert settings.get(db, "backup_keep") == 10
    assert settings.get(db, "database_mode") == "township"


def test_set_many_needs_the_right(db, actor_of):
    from models.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        settings.set_many(db, {"backup_keep": 3}, actor_of("window"))
