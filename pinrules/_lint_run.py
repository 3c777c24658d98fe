"""What `pinrules lint`, `pinrules rules` and `pinrules explain` run, with typed options."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from ._command_run import LintAddOn, options_from
from ._commands import LintExtension
from ._errors import UsageError
from ._options import RuleOptions, SelectionOptions, build_preflight, resolve_settings


@dataclass(frozen=True)
class LintOptions:
    paths: tuple[str, ...]
    format: str = "text"
    rules: RuleOptions = field(default_factory=RuleOptions)
    selection: SelectionOptions = field(default_factory=SelectionOptions)
    accounts: str | None = None
    fail_on: str | None = None
    online: bool = False
    allow_private_network: bool = False
    online_cache_ttl: float | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    baseline: str | None = None
    write_baseline: str | None = None


@dataclass(frozen=True)
class RulesOptions:
    format: str = "text"
    show_compiled: bool = False
    rules: RuleOptions = field(default_factory=RuleOptions)


@dataclass(frozen=True)
class ExplainOptions:
    code: str
    rules: RuleOptions = field(default_factory=RuleOptions)


def run_lint(namespace: argparse.Namespace) -> int:
    extensions: tuple[LintExtension, ...] = getattr(namespace, "lint_extensions", ())
    return lint_command(options_from(LintOptions, namespace), namespace, extensions)


def lint_command(
    options: LintOptions, namespace: argparse.Namespace, extensions: tuple[LintExtension, ...] = ()
) -> int:
    """Run `pinrules lint`; `namespace` is handed only to the other packages' lint add-ons,
    which turn their own options into typed ones."""
    from ._accounts import load_accounts  # noqa: PLC0415
    from ._baseline import apply_baseline, read_baseline, write_baseline  # noqa: PLC0415
    from ._lint import editor_order, find_post_files, lint  # noqa: PLC0415
    from ._reporters import REPORTER_BY_NAME  # noqa: PLC0415

    settings = resolve_settings(
        options.rules,
        options.selection,
        accounts=options.accounts,
        allow_private_network=options.allow_private_network,
    )
    if options.fail_on:
        settings.fail_on = options.fail_on
    if options.online_cache_ttl is not None:
        if not options.online:
            raise UsageError("--online-cache-ttl applies to the online checks: add --online")
        settings.online_cache_ttl = options.online_cache_ttl
    for flag, seconds in (
        ("--connect-timeout", options.connect_timeout),
        ("--read-timeout", options.read_timeout),
    ):
        if seconds is not None and not options.online:
            raise UsageError(f"{flag} applies to the online checks: add --online")
        if seconds is not None and not seconds > 0:
            raise UsageError(f"{flag} takes a number of seconds above 0")
    files = find_post_files(options.paths)
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
            connect_timeout=options.connect_timeout or settings.connect_timeout,
            read_timeout=options.read_timeout or settings.read_timeout,
        )
    addons: list[LintAddOn] = [
        addon for extension in extensions if (addon := extension.prepare(namespace, preflight)) is not None
    ]
    if addons and not options.online:
        raise UsageError("--account checks boards on Pinterest: add --online")
    fallback = next((a.defaults for a in addons if a.defaults), None)
    result = lint(
        files, preflight, accounts, ignored_in=settings.ignored_in, online=online, fallback=fallback
    )
    for addon in addons:
        result.diagnostics = sorted(result.diagnostics + addon.check(result.documents), key=editor_order)
    if options.write_baseline:
        count = write_baseline(options.write_baseline, result.diagnostics)
        sys.stderr.write(f"pinrules: recorded {count} findings in {options.write_baseline}\n")
    if baseline is not None:
        outcome = apply_baseline(baseline, result.diagnostics)
        result.diagnostics = outcome.new
        for file, rule, pointer in outcome.gone:
            sys.stderr.write(f"pinrules: baseline entry no longer occurs: {file} {rule} {pointer or '/'}\n")
    sys.stdout.write(REPORTER_BY_NAME[options.format]().render(result, preflight.rules))
    failing = ("error",) if settings.fail_on == "error" else ("error", "warning")
    return 1 if any(d.severity in failing for d in result.diagnostics) else 0


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
