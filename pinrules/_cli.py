"""The `pinrules` command line.

Exit status, decided here only: 0 clean, 1 findings, 2 usage error (any `PinrulesError`: a
flag, a path, a settings or rule file, an account that cannot be used), 3 an unexpected
failure (a bug: one line says how to report it; `--debug` shows the traceback), 130 Ctrl-C.

Start-up stays small: `--version` answers before anything is imported, and `--help` imports
only the command declarations (each package's `_commands` module), never the code they run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ._errors import PinrulesError, UsageError
from ._version import __version__

TYPE_CHECKING = False  # mypy reads this as True; importing typing would cost start-up time
if TYPE_CHECKING:  # argparse and the declarations load after the --version fast path
    import argparse

    from ._commands import Commands

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
ENTRY_POINT_GROUP = "pinrules.commands"
REPORT_URL = "https://github.com/pinrules/pinrules/issues"


def _declare_debug(parser: argparse.ArgumentParser, *, default: object = False) -> None:
    """--debug, on the top parser and after any command."""
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show a traceback when pinrules fails"
    )


def _registered(group: str) -> list[str]:
    """'module:function' of each entry point of `group` in the installed distributions.

    Read from the .dist-info folders directly: importing importlib.metadata alone would add
    about 40 ms to every start. The first distribution of a name on sys.path wins, as for imports.
    """
    found: list[str] = []
    seen: set[str] = set()
    for folder in sys.path:
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            distribution = name.split("-", 1)[0].lower().replace("_", "-")
            if distribution in seen:
                continue
            seen.add(distribution)
            found += _entry_points(os.path.join(folder or ".", name, "entry_points.txt"), group)
    return found


def _entry_points(path: str, group: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError:
        return []
    section, found = "", []
    for line in lines:
        text = line.strip()
        if text.startswith("[") and text.endswith("]"):
            section = text[1:-1].strip()
        elif section == group and "=" in text:
            found.append(text.split("=", 1)[1].strip())
    return found


def registry() -> Commands:
    """The engine's commands, then those other installed packages register."""
    import importlib  # noqa: PLC0415

    from ._commands import Commands  # noqa: PLC0415
    from ._lint_commands import register  # noqa: PLC0415

    commands = Commands()
    register(commands)
    for target in _registered(ENTRY_POINT_GROUP):
        module, _, function = target.partition(":")
        getattr(importlib.import_module(module), function)(commands)
    return commands


def build_parser(commands: Commands, only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `only` (a command's name), of that command alone (the
    one a run asked for: declaring the others would only cost start-up time)."""
    import argparse  # noqa: PLC0415

    from ._commands import Parser  # noqa: PLC0415

    parser = Parser(
        prog="pinrules",
        description="Check Pinterest posts before they are published, and publish those that pass.",
        epilog="Run `pinrules COMMAND --help` for one command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"pinrules {__version__}")
    _declare_debug(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    debug = Parser(add_help=False)
    _declare_debug(debug, default=argparse.SUPPRESS)  # after the command too, without resetting it
    chosen = [commands.commands[only]] if only in commands.commands else commands.commands.values()
    for command in chosen:
        sub = subparsers.add_parser(
            command.name,
            help=command.summary,
            description=command.summary,
            epilog=f"example:\n  {command.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[*command.parents, debug],
        )
        command.declare(sub)
        if command.name == "lint":  # the options other packages add, and who handles them
            for extension in commands.lint_extensions:
                extension.declare(sub)
            sub.set_defaults(lint_extensions=tuple(commands.lint_extensions))
    return parser


def command_list(commands: Commands) -> str:
    width = max(len(name) for name in commands.commands)
    lines = ["usage: pinrules COMMAND [options]", "", "commands:"]
    lines += [f"  {c.name:<{width}}  {c.summary}" for c in commands.commands.values()]
    lines += ["", "Run `pinrules COMMAND --help` for one command's options and an example."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # file names with undecodable bytes must print, not crash the report
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if arguments == ["--version"]:
        sys.stdout.write(f"pinrules {__version__}\n")
        return EXIT_CLEAN
    debug = "--debug" in arguments
    try:
        commands = registry()
        if not [a for a in arguments if a != "--debug"]:
            sys.stdout.write(command_list(commands))
            return EXIT_USAGE
        # the command is the first word that is no option (the top level's take no values)
        named = next((a for a in arguments if a == "--" or not a.startswith("-")), None)
        args = build_parser(commands, named).parse_args(arguments)
        debug = bool(getattr(args, "debug", debug))
        if args.command is None:
            raise UsageError("choose a command; `pinrules` alone lists them")
        return commands.commands[args.command].run(args)
    except PinrulesError as error:
        sys.stderr.write(f"pinrules: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # `pinrules lint . | head` is not an error
        return EXIT_CLEAN
    except KeyboardInterrupt:
        sys.stderr.write("pinrules: interrupted\n")
        return EXIT_INTERRUPTED
    except SystemExit as stop:  # --help and --version end here with their own status
        return stop.code if isinstance(stop.code, int) else EXIT_CLEAN
    except Exception as error:  # a bug: one line, the traceback only when asked for
        if debug:
            import traceback  # noqa: PLC0415

            traceback.print_exc()
        name = type(error).__name__
        sys.stderr.write(
            f"pinrules: internal error ({name}: {error}); please report it at {REPORT_URL}"
            f"{'' if debug else ' with the output of the same command run with --debug'}\n"
        )
        return EXIT_BUG


def _nothing_left_at_exit() -> bool:
    """No exit handler was registered and no other thread runs: tearing the interpreter down
    would only free memory."""
    import atexit  # noqa: PLC0415

    threading = sys.modules.get("threading")
    return atexit._ncallbacks() == 0 and (threading is None or threading.active_count() == 1)


def script() -> None:
    """The `pinrules` script: `main`, then the output flushed and, when nothing is left to run at
    exit, a quick exit (the interpreter's teardown costs a lint of one file 10 ms, a sixth of it)."""
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away (`| head`): nothing more to say to it
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    if _nothing_left_at_exit():
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    script()
