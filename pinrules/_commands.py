"""The command line's building blocks, shared by every package that adds commands.

The `pinrules` script builds one parser. The engine declares `lint`, `rules` and `explain`;
other packages (the publisher, the service) add theirs through the `pinrules.commands` entry
point group: each entry point names a `register(commands: Commands)` function in a light
module (argparse only: `pinrules --help` must start fast), whose commands import their real
code only when they run. A command's `run` receives the parsed namespace; the owning package
turns it into a typed options object (`options_from`) before anything else sees it.

Shared options are declared once, as parent parsers (`option_group`), and reused by every
command that takes them.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence

from ._errors import PinrulesError, UsageError

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from ._command_run import LintAddOn
    from ._engine import Preflight


@functools.cache
def _help_width() -> int:
    """What argparse's help formatter measures with shutil.get_terminal_size (less its margin),
    without importing shutil (and the compression modules it loads) on every start: argparse
    makes a formatter for each option it declares."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are `UsageError`s (exit status 2, one line)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        formatter = kwargs.get("formatter_class", argparse.HelpFormatter)
        kwargs["formatter_class"] = functools.partial(formatter, width=_help_width())
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def option_group(declare: Callable[[argparse.ArgumentParser], None]) -> Parser:
    """A parent parser holding options that several commands share (declared once, when a
    command that takes them is first built: a run builds one command's parser)."""
    return _LazyGroup(declare)


class _LazyGroup(Parser):
    """A Parser that is made, and its options declared, on first use of its insides."""

    def __init__(self, declare: Callable[[argparse.ArgumentParser], None]) -> None:
        self.__dict__["_declare"] = declare  # ArgumentParser.__init__ only when first used

    def __getattr__(self, name: str) -> Any:
        declare = self.__dict__.pop("_declare", None)
        if declare is None:
            raise AttributeError(name)
        Parser.__init__(self, add_help=False)
        declare(self)
        return getattr(self, name)


class Command:
    """One subcommand: its name, a one-line summary, an example, its options and what it runs."""

    __slots__ = ("declare", "example", "name", "parents", "run", "summary")

    def __init__(
        self,
        name: str,
        summary: str,
        example: str,
        declare: Callable[[argparse.ArgumentParser], None],
        run: Callable[[argparse.Namespace], int],
        *,
        parents: tuple[Parser, ...] = (),
    ) -> None:
        self.name = name
        self.summary = summary
        self.example = example
        self.declare = declare
        self.run = run
        self.parents = parents


class LintExtension:
    """Options another package adds to `pinrules lint`, and the add-on they make (or None)."""

    __slots__ = ("declare", "prepare")

    def __init__(
        self,
        declare: Callable[[argparse.ArgumentParser], None],
        prepare: Callable[[argparse.Namespace, Preflight], LintAddOn | None],
    ) -> None:
        self.declare = declare
        self.prepare = prepare


class Commands:
    """Every command of the `pinrules` script, in the order they are listed."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.lint_extensions: list[LintExtension] = []

    def add(self, command: Command) -> None:
        if command.name in self.commands:
            raise PinrulesError(f"the command {command.name!r} is registered twice")
        self.commands[command.name] = command

    def extend_lint(self, extension: LintExtension) -> None:
        self.lint_extensions.append(extension)


def split_codes(values: Sequence[str]) -> list[str]:
    """Codes from repeated, comma-separated flags: ["a,b", "c"] -> ["a", "b", "c"]."""
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def split_pairs(values: Sequence[str], flag: str) -> dict[str, str]:
    """NAME=VALUE flags as a mapping; a malformed one is a usage error."""
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip() or not setting.strip():
            raise UsageError(f"{flag} takes NAME=VALUE (got {value!r})")
        pairs[name.strip()] = setting.strip()
    return pairs
