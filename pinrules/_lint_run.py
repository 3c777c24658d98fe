"""What `pinrules lint`, `pinrules rules` and `pinrules explain` run, with typed options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ._command_run import LintAddOn, options_from
from ._commands import LintExtension, split_codes
from ._config import Settings
from ._errors import UsageError
from ._escape import file_name
from ._lint import FileProblem, LintResult
from ._options import RuleOptions, SelectionOptions, build_preflight, resolve_settings

if TYPE_CHECKING:
    from ._documents import Document
    from ._engine import Preflight


class LintOptions(NamedTuple):
    paths: tuple[str, ...]
    format: str = "text"
    rules: RuleOptions = RuleOptions()
    selection: SelectionOptions = SelectionOptions()
    accounts: str | None = None
    fail_on: str | None = None
    online: bool = False
    allow_private_network: bool = False
    online_cache_ttl: float | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    baseline: str | None = None
    write_baseline: str | None = None
    exit_zero: bool = False
    quiet: bool = False
    statistics: bool = False
    output_file: str | None = None
    color: str = "auto"
    show_settings: bool = False
    stdin_filename: str | None = None
    max_findings_per_file: int | None = None
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool | None = None
    force_exclude: bool | None = None
    allow_empty: bool = False


class RulesOptions(NamedTuple):
    format: str = "text"
    show_compiled: bool = False
    rules: RuleOptions = RuleOptions()


class ExplainOptions(NamedTuple):
    code: str
    rules: RuleOptions = RuleOptions()


STDIN = "-"
STDIN_NAME = "<stdin>"  # what diagnostics call standard input without --stdin-filename


def run_lint(namespace: argparse.Namespace) -> int:
    extensions: tuple[LintExtension, ...] = getattr(namespace, "lint_extensions", ())
    return lint_command(options_from(LintOptions, namespace), namespace, extensions)


def lint_settings(options: LintOptions) -> Settings:
    """The settings file with every flag of `pinrules lint` applied over it."""
    settings = resolve_settings(
        options.rules,
        options.selection,
        accounts=options.accounts,
        allow_private_network=options.allow_private_network,
    )
    if options.fail_on:
        settings.fail_on = options.fail_on
        settings.set_by("fail-on", "--fail-on")
    if options.online_cache_ttl is not None:
        if not options.online:
            raise UsageError("--online-cache-ttl applies to the online checks: add --online")
        settings.online_cache_ttl = options.online_cache_ttl
        settings.set_by("online-cache-ttl", "--online-cache-ttl")
    if options.max_findings_per_file is not None:
        if options.max_findings_per_file < 0:
            raise UsageError("--max-findings-per-file takes a whole number, 0 for no limit")
        settings.max_findings_per_file = options.max_findings_per_file
        settings.set_by("max-findings-per-file", "--max-findings-per-file")
    for timeout, seconds in (
        ("connect-timeout", options.connect_timeout),
        ("read-timeout", options.read_timeout),
    ):
        if seconds is None:
            continue
        if not options.online:
            raise UsageError(f"--{timeout} applies to the online checks: add --online")
        if not seconds > 0:
            raise UsageError(f"--{timeout} takes a number of seconds above 0")
        setattr(settings, timeout.replace("-", "_"), seconds)
        settings.set_by(timeout, "--" + timeout)
    for key, values in (("exclude", options.exclude), ("extend-exclude", options.extend_exclude)):
        patterns = split_codes(values)
        if patterns:
            name = key.replace("-", "_")
            setattr(settings, name, patterns if key == "exclude" else getattr(settings, name) + patterns)
            settings.flag_values.setdefault(key, set()).update(patterns)
            settings.set_by(key, "--" + key)
    for key, flag in (
        ("respect-gitignore", options.respect_gitignore),
        ("force-exclude", options.force_exclude),
    ):
        if flag is not None:
            setattr(settings, key.replace("-", "_"), flag)
            settings.set_by(key, f"--{'' if flag else 'no-'}{key}")
    return settings


def lint_command(
    options: LintOptions, namespace: argparse.Namespace, extensions: tuple[LintExtension, ...] = ()
) -> int:
    """Run `pinrules lint`; `namespace` is handed only to the other packages' lint add-ons,
    which turn their own options into typed ones."""
    from ._accounts import load_accounts  # noqa: PLC0415
    from ._baseline import apply_baseline, read_baseline, write_baseline  # noqa: PLC0415
    from ._lint import find_post_files, lint, read_post_file  # noqa: PLC0415
    from ._media_paths import MediaFolders  # noqa: PLC0415

    settings = lint_settings(options)
    if options.show_settings:
        from ._show_settings import show_settings  # noqa: PLC0415

        sys.stdout.write(show_settings(settings))
        return 0
    _check_combinations(options)
    own = [
        p for p in (settings.accounts, options.baseline, options.write_baseline, *settings.rules_dirs) if p
    ]
    exclusion = settings.exclusion(own)
    read: Callable[[str], Document | FileProblem] = read_post_file
    if options.paths == (STDIN,):
        name = options.stdin_filename or STDIN_NAME
        excluded = options.stdin_filename is not None and exclusion.force
        files = [] if excluded and exclusion.excludes_named(name, Path.cwd()) else [name]
        read = _stdin_reader(options.stdin_filename)
    else:
        files = find_post_files(options.paths, exclusion)
    preflight = build_preflight(settings)
    accounts = load_accounts(settings.accounts) if settings.accounts else {}
    baseline = read_baseline(options.baseline) if options.baseline else None
    online = None
    if options.online:
        from ._folders import cache_dir  # noqa: PLC0415
        from ._network_settings import NetworkSettings  # noqa: PLC0415

        online = NetworkSettings(
            allow_private_network=settings.allow_private_network,
            cache_ttl=settings.online_cache_ttl,
            cache_dir=cache_dir(),
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
    addons: list[LintAddOn] = [
        addon for extension in extensions if (addon := extension.prepare(namespace, preflight)) is not None
    ]
    if addons and not options.online:
        raise UsageError("--account checks boards on Pinterest: add --online")
    if not files and not options.allow_empty:
        raise UsageError(_nothing_found(options.paths))
    fallback = next((a.defaults for a in addons if a.defaults), None)
    result = lint(
        files, preflight, accounts, ignored_in=settings.ignored_in, online=online, fallback=fallback,
        addons=addons, max_findings=settings.max_findings_per_file, read=read,
        media=MediaFolders.from_settings(settings),
    )  # fmt: skip
    if options.write_baseline:
        count = write_baseline(options.write_baseline, result.diagnostics)
        _note(options, f"recorded {count} findings in {options.write_baseline}")
    if baseline is not None:
        outcome = apply_baseline(baseline, result.diagnostics)
        result.diagnostics = outcome.new
        for file, rule, pointer in outcome.gone:
            _note(options, f"baseline entry no longer occurs: {file_name(file)} {rule} {pointer or '/'}")
    _report(options, result, preflight)
    failing = ("error",) if settings.fail_on == "error" else ("error", "warning")
    failed = any(d.severity in failing for d in result.diagnostics)
    return 1 if failed and not options.exit_zero else 0


def _check_combinations(options: LintOptions) -> None:
    if not options.paths:
        raise UsageError("name the post files or folders to check (or - for standard input)")
    if STDIN in options.paths and len(options.paths) > 1:
        raise UsageError("- (standard input) is the only path when given: lint files in another run")
    if options.stdin_filename is not None and options.paths != (STDIN,):
        raise UsageError("--stdin-filename names standard input: pass - as the path")
    if options.statistics and options.format not in ("text", "json"):
        raise UsageError("--statistics prints text or JSON: use --format text or json")


def _nothing_found(paths: tuple[str, ...]) -> str:
    return (
        f"no post files to check in {', '.join(file_name(p) for p in paths)}: folders are searched for "
        "*.json, *.yaml and *.yml, less the excluded files (`--show-settings` lists the globs) and what "
        "git ignores; pass --allow-empty when nothing to check is fine"
    )


def _stdin_reader(given: str | None) -> Callable[[str], Document | FileProblem]:
    """Reads standard input once, as the post named `given` (its suffix says JSON or YAML;
    without one, text opening with { or [ is tried as JSON first)."""
    from ._lint import parse_post  # noqa: PLC0415
    from ._post_input import read_stdin, sniff_format  # noqa: PLC0415

    def read(name: str) -> Document | FileProblem:
        data = read_stdin()
        fmt = sniff_format(given, data)
        parsed = parse_post(name, data, fmt)
        if isinstance(parsed, FileProblem) and fmt == "json" and given is None:
            as_yaml = parse_post(name, data, "yaml")
            return as_yaml if not isinstance(as_yaml, FileProblem) else parsed
        return parsed

    return read


def _note(options: LintOptions, text: str) -> None:
    if not options.quiet:
        sys.stderr.write(f"pinrules: {text}\n")


def _report(options: LintOptions, result: LintResult, preflight: Preflight) -> None:
    """The report, to standard output or written whole to --output-file (never half a file)."""
    import os  # noqa: PLC0415

    from ._color import use_color  # noqa: PLC0415
    from ._reporters import REPORTER_BY_NAME  # noqa: PLC0415

    stream = None if options.output_file else sys.stdout
    color = options.format == "text" and use_color(options.color, stream, os.environ)
    reporter = REPORTER_BY_NAME[options.format](color=color, quiet=options.quiet)
    render = reporter.statistics if options.statistics else reporter.render
    text = render(result, preflight.rules)
    if options.output_file is None:
        sys.stdout.write(text)
        return
    from ._atomic import write_atomic  # noqa: PLC0415

    try:
        write_atomic(options.output_file, text.encode("utf-8", "backslashreplace"))
    except OSError as error:
        raise UsageError(f"{options.output_file}: cannot write the report ({error.strerror})") from None


def run_rules(namespace: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    options = options_from(RulesOptions, namespace)
    settings = resolve_settings(options.rules)
    if options.show_compiled:  # with the settings file's selection, as lint runs them
        sys.stdout.write(build_preflight(settings).compiled_source + "\n")
        return 0
    preflight = build_preflight(settings, selected=False)
    if options.format == "json":
        listing = [
            {"code": r.code, "severity": str(r.severity), "phase": r.phase, "summary": r.summary,
             "builtin": r.builtin, "file": r.file}
            for r in preflight.all_rules
        ]  # fmt: skip
        sys.stdout.write(json.dumps(listing, indent=2) + "\n")
        return 0
    width = max(len(r.code) for r in preflight.all_rules)
    for r in preflight.all_rules:
        sys.stdout.write(f"{r.code:<{width}}  {r.severity:<7}  {r.phase:<7}  {r.summary}\n")
    return 0


def run_explain(namespace: argparse.Namespace) -> int:
    from ._docs import explain_text  # noqa: PLC0415
    from ._suggest import close_matches  # noqa: PLC0415

    options = options_from(ExplainOptions, namespace)
    preflight = build_preflight(resolve_settings(options.rules), selected=False)
    rule = preflight.rule(options.code)
    if rule is None:
        codes = tuple(r.code for r in preflight.all_rules)
        close = close_matches(options.code, codes)
        close += [c for c in codes if c.startswith(options.code.rstrip(".") + ".") and c not in close]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `pinrules rules` lists them"
        raise UsageError(f"no rule {options.code!r}{hint}")
    sys.stdout.write(explain_text(rule, preflight))
    return 0
