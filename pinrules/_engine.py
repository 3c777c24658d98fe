"""`Preflight`: the rules, compiled once, run over posts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._compiler import compile_rules
from ._diagnostic import Diagnostic, Severity
from ._documents import Document
from ._pointer import Pointer, to_pointer
from ._rules import Rule, load_rules
from ._selection import Selection, most_specific

if TYPE_CHECKING:
    from ._network import NetworkSettings


def _with_severity(rule: Rule, severity: str | None) -> Rule:
    return rule if severity is None else replace(rule, severity=Severity(severity))


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
        "error", "warning" or "info" (the most specific entry wins)."""
        rules = load_rules(rule_dirs, builtin=builtin)
        if severity:
            rules = [_with_severity(rule, most_specific(rule.code, severity)) for rule in rules]
        self.all_rules: list[Rule] = rules
        selection = Selection(tuple(select), tuple(ignore))
        self.rules: list[Rule] = [r for r in self.all_rules if selection.includes(r.code)]
        self._static = [r for r in self.rules if r.phase == "static"]
        self._run = compile_rules(self._static)

    def rule(self, code: str) -> Rule | None:
        return next((r for r in self.all_rules if r.code == code), None)

    def check(self, post: Any, account: Any = None) -> list[Diagnostic]:
        """The static phase: diagnostics in rule-code order, then in document order per rule.

        Total: any JSON value in, a list out; never raises for the post's content.
        """
        findings = self._run(post, account)
        if not findings:
            return []
        rules = self._static
        return [
            Diagnostic(
                rule=rules[index].code,
                severity=rules[index].severity,
                message=rules[index].render_message(value, key),
                fix=rules[index].fix,
                pointer=to_pointer(pointer),
            )
            for index, _, pointer, value, key in findings
        ]

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
        from ._network import NetworkSettings  # noqa: PLC0415 - imports aiohttp
        from ._online import OnlinePost, online_findings  # noqa: PLC0415

        item = OnlinePost(post, Path(base_dir) if base_dir is not None else Path.cwd())
        (findings,) = await online_findings([item], network or NetworkSettings())
        return self.check(post, account) + self.probe_diagnostics(findings)

    def probe_diagnostics(
        self, findings: Iterable[tuple[str, Pointer, str]], document: Document | None = None
    ) -> list[Diagnostic]:
        """Diagnostics for what the online probes found, for the rules that are selected."""
        rules = {rule.code: rule for rule in self.rules}
        diagnostics = []
        for code, pointer, message in findings:
            rule = rules.get(code)
            if rule is None:
                continue
            line, column = document.position(pointer) if document else (None, None)
            diagnostics.append(Diagnostic(
                rule=code, severity=rule.severity, message=message, fix=rule.fix,
                pointer=to_pointer(pointer), file=document.name if document else None,
                line=line, column=column,
            ))  # fmt: skip
        return diagnostics

    def check_document(self, document: Document, account: Any = None) -> list[Diagnostic]:
        """Like `check`, with each diagnostic placed at its line and column in the file."""
        findings = self._run(document.value, account)
        rules = self._static
        diagnostics = []
        for index, _, pointer, value, key in findings:
            line, column = document.position(pointer)
            rule = rules[index]
            diagnostics.append(
                Diagnostic(
                    rule=rule.code,
                    severity=rule.severity,
                    message=rule.render_message(value, key),
                    fix=rule.fix,
                    pointer=to_pointer(pointer),
                    file=document.name,
                    line=line,
                    column=column,
                )
            )
        return diagnostics
