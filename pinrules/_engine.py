"""`Preflight`: the rules, compiled once, run over posts."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._compiler import PATTERN_TIMEOUT_SECONDS, TIMED_OUT, Finding, compile_rules
from ._diagnostic import Diagnostic, Placed, Severity, make_diagnostic
from ._documents import Document
from ._errors import PinrulesError
from ._pointer import Pointer
from ._rule import Rule
from ._rule_files import load_rules
from ._selection import Selection, check_codes, most_specific

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._network_settings import NetworkSettings

TRUNCATED = "post.findings.truncated"
PATTERN_TIMEOUT = "post.pattern_timeout"
_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _with_severity(rule: Rule, severity: str | None) -> Rule:
    return rule if severity is None else rule.with_severity(Severity(severity))


class Preflight:
    """Checks posts against the built-in rules plus any rule directories given.

    >>> Preflight().check({"media": []})[0].rule
    'pinterest.board.required'
    """

    def __init__(
        self,
        rule_dirs: Sequence[str | os.PathLike[str]] = (),
        *,
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: Mapping[str, str] | None = None,
        builtin: bool = True,
    ) -> None:
        """`select`/`ignore` take codes or prefixes; `severity` maps codes or prefixes to
        "error", "warning" or "info" (the most specific entry wins). A code or prefix that
        matches no rule is a UsageError (with the nearest codes): it would silently do nothing."""
        rules = load_rules(rule_dirs, builtin=builtin)
        select, ignore, severity = tuple(select), tuple(ignore), dict(severity or {})
        codes = [rule.code for rule in rules]
        for setting, patterns in (("select", select), ("ignore", ignore), ("severity", severity)):
            check_codes(setting, patterns, codes)
        if severity:
            rules = [_with_severity(rule, most_specific(rule.code, severity)) for rule in rules]
        self.all_rules: list[Rule] = rules
        self._selection = selection = Selection(select, ignore)
        self.rules: list[Rule] = [r for r in self.all_rules if selection.includes(r.code)]
        self._static = [r for r in self.rules if r.phase == "static"]
        self._selected = {rule.code: rule for rule in self.rules}
        self._by_code = {rule.code: rule for rule in self.all_rules}
        # every built-in static rule and no other: maybe the source that ships compiled
        builtin = all(r.builtin for r in self.all_rules) and len(self._static) == sum(
            r.phase == "static" for r in self.all_rules
        )
        self._run, self.compiled_source = compile_rules(self._static, builtin=builtin)

    def rule(self, code: str) -> Rule | None:
        return self._by_code.get(code)

    def check(self, post: Any, account: Any = None) -> list[Diagnostic]:
        """The static phase: diagnostics in rule-code order, then in document order per rule.

        Total: any JSON value in, a list out; never raises for the post's content.
        """
        return self._static_diagnostics(self._run(post, account), None)

    def check_document(
        self,
        document: Document,
        account: Any = None,
        *,
        drop: Callable[[str, Pointer], bool] | None = None,
        limit: int | None = None,
    ) -> list[Diagnostic]:
        """Like `check`, with each diagnostic placed at its line and column in the file.

        `drop(code, pointer)` leaves findings out (per-file ignores, inline suppressions). With
        `limit`, at most that many are kept (the most severe, then in rule and file order) and
        one `post.findings.truncated` diagnostic counts the rest: only the kept ones have their
        messages written, so that a file with 500,000 findings costs little more than one with 100.
        """
        findings = self._run(document.value, account)
        if drop is None and (limit is None or len(findings) <= limit):
            return self._static_diagnostics(findings, document)
        return self._bounded_diagnostics(findings, document, drop, limit)

    async def check_online(
        self,
        post: Any,
        account: Any = None,
        *,
        base_dir: str | os.PathLike[str] | None = None,
        network: NetworkSettings | None = None,
    ) -> list[Diagnostic]:
        """All phases: static, then the local files (relative to `base_dir`, default the
        working folder) and the URLs of the post. Unreachable networks are diagnostics."""
        from ._network_settings import NetworkSettings  # noqa: PLC0415
        from ._online import OnlinePost, online_findings  # noqa: PLC0415

        item = OnlinePost(post, Path(base_dir) if base_dir is not None else Path.cwd())
        (findings,) = await online_findings([item], network or NetworkSettings())
        return self.check(post, account) + self.probe_diagnostics(findings)

    def probe_diagnostics(
        self, findings: Iterable[tuple[str, Pointer, str]], document: Placed | None = None
    ) -> list[Diagnostic]:
        """Diagnostics for what the online probes and the publish flow found (selected rules only)."""
        return [
            make_diagnostic(rule, message, pointer, document)
            for code, pointer, message in findings
            if (rule := self._selected.get(code)) is not None
        ]

    def diagnose(
        self, code: str, message: str, pointer: Pointer = (), document: Placed | None = None
    ) -> Diagnostic:
        """A diagnostic of any known rule, selected or not: for outcomes that are not findings
        to filter (a post missed its time, a publish failed), with the rule's severity and fix."""
        rule = self._by_code.get(code)
        if rule is None:
            raise PinrulesError(f"no rule {code!r}: every code pinrules reports has a rule file")
        return make_diagnostic(rule, message, pointer, document)

    def file_diagnostic(
        self, code: str, message: str, file: str, line: int = 1, column: int = 1, *, always: bool = False
    ) -> Diagnostic | None:
        """A diagnostic of the post reader about a whole file (unreadable, not JSON/YAML), with
        its rule's configured severity; None when the rule is not selected, unless `always`
        (a file that cannot be read cannot be published, ignored or not)."""
        rule = self._selected.get(code) or (self._by_code.get(code) if always else None)
        if rule is None:
            return None
        return make_diagnostic(rule, message, file=file, line=line, column=column)

    def companion(self, code: str) -> Rule | None:
        """A rule that speaks for selected rules (a pattern that timed out, findings left out):
        reported unless ignored by name or prefix, even when `select` leaves it out."""
        return None if self._selection.ignores(code) else self._by_code.get(code)

    def _static_diagnostics(self, findings: list[Finding], document: Placed | None) -> list[Diagnostic]:
        rules = self._static
        return [
            make_diagnostic(rules[index], rules[index].render_message(value, key), pointer, document)
            if value is not TIMED_OUT
            else self._timeout_diagnostic(rules[index], pointer, document)
            for index, _, pointer, value, key in findings
            if value is not TIMED_OUT or self.companion(PATTERN_TIMEOUT) is not None
        ]

    def _timeout_diagnostic(self, rule: Rule, pointer: Pointer, document: Placed | None) -> Diagnostic:
        timeout = self.companion(PATTERN_TIMEOUT)
        assert timeout is not None
        message = (
            f"the pattern of {rule.code} ({rule.file}) took longer than {PATTERN_TIMEOUT_SECONDS:g} s "
            "on this value and was given up: the rule was not checked here"
        )
        return make_diagnostic(timeout, message, pointer, document)

    def _bounded_diagnostics(
        self,
        findings: list[Finding],
        document: Document,
        drop: Callable[[str, Pointer], bool] | None,
        limit: int | None,
    ) -> list[Diagnostic]:
        """Findings dropped and capped first (by code and severity: cheap), and only the kept
        ones placed and written out."""
        rules = self._static
        timeout = self.companion(PATTERN_TIMEOUT)
        kept = []
        for finding in findings:
            index, _, pointer, value, _ = finding
            rule = timeout if value is TIMED_OUT and timeout is not None else rules[index]
            if drop is None or not drop(rule.code, pointer):
                kept.append((_SEVERITY_RANK[rule.severity], rule.code, finding))
        hidden = []
        if limit is not None and len(kept) > limit:
            # the most severe first, then as found: by rule, and in file order within a rule
            kept.sort(key=itemgetter(0))
            kept, hidden = kept[:limit], kept[limit:]
        diagnostics = self._static_diagnostics([item[2] for item in kept], document)
        notice = self.companion(TRUNCATED) if hidden else None
        if notice is not None:
            counts = Counter(code for _, code, _ in hidden)
            listed = ", ".join(f"{n:,} {code}" for code, n in counts.most_common())
            message = (
                f"and {len(hidden):,} more findings not shown ({listed}); "
                f"at most {limit:,} are reported per file"
            )
            diagnostics.append(make_diagnostic(notice, message, hidden[0][2][2], document))
        return diagnostics
