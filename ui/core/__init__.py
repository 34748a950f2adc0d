"""The window's core dialogs: login, first run, settings, self test."""
