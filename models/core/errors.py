"""The error types raised by models/. Messages are in Chinese, for the user."""


class AppError(Exception):
    """Base of every error a user should see as a message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(AppError):
    """Bad input: names the field (or row) and says what is wrong, in Chinese."""

    def __init__(self, field: str, message: str, row: int | None = None):
        self.field = field
        self.row = row
        where = f"第 {row} 行 " if row is not None else ""
        label = f"{where}{field}：" if field else where
        super().__init__(f"{label}{message}")
        self.bare_message = message


class PermissionDenied(AppError):
    """The operator's role does not allow the action."""


class DatabaseOpenError(AppError):
    """The file cannot be opened as this program's database; it was left untouched."""


class CorruptDatabaseError(DatabaseOpenError):
    """quick_check failed. `backups` lists good backups, newest first."""

    def __init__(self, message: str, path, backups=()):
        super().__init__(message)
        self.path = path
        self.backups = list(backups)


class NewerSchemaError(DatabaseOpenError):
    """The database was written by a newer version of the program."""


class LoginError(AppError):
    """Wrong user name or password, or the account is locked for a while."""


class StorageError(AppError):
    """The disk is full or read-only: nothing saved was damaged, but this
    backup (or write) could not be made. The message says what to do."""
