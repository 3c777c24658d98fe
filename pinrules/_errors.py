"""Errors that end a command with exit status 2 (usage)."""


class UsageError(Exception):
    """A mistake in how pinrules was called: a flag, a path, a config or accounts file."""
