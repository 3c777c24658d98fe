"""Every error pinrules raises on purpose, in one tree.

    PinrulesError              the root: the command line turns it into exit status 2
    ├── UsageError             a flag, a path, a settings, accounts or baseline file is wrong
    ├── RuleFileError          a rule file cannot be used (file, line, column, problem)
    ├── ParseError             a post file is not a readable post document (line, column)
    ├── UnreadableFile         a post file cannot be read: missing, a FIFO, a device, a folder
    ├── InvalidPointer         a JSON pointer that is not RFC 6901 (also a ValueError)
    ├── InvalidTime            a date-time that is not RFC 3339 with an offset (also a ValueError)
    └── BlockedAddressError    a URL led to an address that is not public (also an OSError,
                               so that HTTP clients report it as a failed connection)

The publisher's and the service's errors hang below `PinrulesError` too (their `_errors`
modules draw their branches). Library code raises these; only the command line decides
exit statuses. A post's *content* never raises: it becomes diagnostics.
"""

from __future__ import annotations


class PinrulesError(Exception):
    """The root of every error pinrules, the publisher and the service raise on purpose."""


class UsageError(PinrulesError):
    """A mistake in how pinrules was called: a flag, a path, a settings, accounts or baseline file."""


class InvalidPointer(PinrulesError, ValueError):
    """A JSON pointer string that does not start with '/'."""


class InvalidTime(PinrulesError, ValueError):
    """A date-time that is not RFC 3339 with an offset, or names a moment that cannot be."""


class BlockedAddressError(PinrulesError, OSError):
    """A connection to an address that is not public was refused before it was made."""


class RuleFileError(PinrulesError):
    """A rule file that cannot be used: names the file, the place and the problem."""

    def __init__(self, file: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file = file
        self.message = message
        self.line = line
        self.column = column
