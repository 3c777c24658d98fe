"""The accounts file of `pinrules lint --accounts`: account ids mapped to their defaults.

acc_main:
  defaultBoardId: "549755885175"
"""

from __future__ import annotations

from typing import Any

from ._documents import ParseError, UnreadableFile, read_document, read_post_bytes
from ._errors import UsageError
from ._formats import is_digits

_FIELDS = {"defaultBoardId": str}


def load_accounts(path: str) -> dict[str, dict[str, Any]]:
    """Read and check an accounts file; raise UsageError naming the file and place."""
    try:
        document = read_document(path, read_post_bytes(path))
    except UnreadableFile as error:
        raise UsageError(
            f"{path}: the accounts file {error.message.removeprefix('cannot open the file: ')}"
        ) from None
    except ParseError as error:
        raise UsageError(f"{path}:{error.line}:{error.column}: {error.message}") from None
    accounts = document.value
    if not isinstance(accounts, dict):
        raise UsageError(
            f"{path}:1:1: an accounts file maps account ids to their defaults, "
            'e.g. {"acc_main": {"defaultBoardId": "549755885175"}}'
        )
    for account_id, defaults in accounts.items():
        line, column = document.position((account_id,))
        where = f"{path}:{line}:{column}"
        if not isinstance(defaults, dict):
            raise UsageError(f"{where}: account {account_id!r} must map to an object of defaults")
        for name, value in defaults.items():
            expected = _FIELDS.get(name)
            if expected is None:
                raise UsageError(f"{where}: unknown account setting {name!r}; known: {', '.join(_FIELDS)}")
            if not isinstance(value, expected):
                raise UsageError(f"{where}: {name!r} of {account_id!r} must be a string")
            if name == "defaultBoardId" and not is_digits(value):
                line, column = document.position((account_id, name))
                raise UsageError(
                    f"{path}:{line}:{column}: 'defaultBoardId' of {account_id!r} must be a board id, "
                    f"digits only (got {value!r}); `pinrules boards ACCOUNT` lists an account's boards"
                )
    return accounts
