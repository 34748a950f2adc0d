"""The core every domain stands on: the database file, migrations, audit log, users and
rights, settings, travelling records, errors, personal-data checks."""
