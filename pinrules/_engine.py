"""`Preflight`: the rules, compiled once, run over posts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._compiler import Finding, compile_rules
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
        self._selected = {rule.code: rule for rule in self.rules}
        self._run = compile_rules(self._static)

    def rule(self, code: str) -> Rule | None:
        return next((r for r in self.all_rules if r.code == code), None)

    def check(self, post: Any, account: Any = None) -> list[Diagnostic]:
        """The static phase: diagnostics in rule-code order, then in document order per rule.

        Total: any JSON value in, a list out; never raises for the post's content.
        """
        return self._static_diagnostics(self._run(post, account), None)

    def check_document(self, document: Document, account: Any = None) -> list[Diagnostic]:
        """Like `check`, with each diagnostic placed at its line and column in the file."""
        return self._static_diagnostics(self._run(document.value, account), document)

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
        """Diagnostics for what the online probes and the publish flow found (selected rules only)."""
        return [
            _diagnostic(rule, message, pointer, document)
            for code, pointer, message in findings
            if (rule := self._selected.get(code)) is not None
        ]

    def _static_diagnostics(self, findings: list[Finding], document: Document | None) -> list[Diagnostic]:
        rules = self._static
        return [
            _diagnostic(rules[index], rules[index].render_message(value, key), pointer, document)
            for index, _, pointer, value, key in findings
        ]


def _diagnostic(rule: Rule, message: str, pointer: Pointer, document: Document | None) -> Diagnostic:
    """A finding of `rule` at `pointer`, placed in the document's text when there is one."""
    line, column = document.position(pointer) if document else (None, None)
    return Diagnostic(
        rule=rule.code,
        severity=rule.severity,
        message=message,
        fix=rule.fix,
        pointer=to_pointer(pointer),
        file=document.name if document else None,
        line=line,
        column=column,
    )
