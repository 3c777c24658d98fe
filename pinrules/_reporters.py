"""Output formats of `pinrules lint`: one class per format, one name-to-class registry.

Each reporter turns a finished `LintResult` (and the rules that ran, for formats that
describe them) into the text written out. Text from posts never reaches a terminal or a log
raw: every format escapes control characters (see `_escape`), and the JSON formats are always
valid UTF-8.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ._diagnostic import Diagnostic
from ._escape import decoded_name, file_name, json_dumps, visible
from ._lint import LintResult
from ._rule import Rule

_COLOR = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;34m"}
_CODE, _BOLD, _RESET = "\x1b[36m", "\x1b[1m", "\x1b[0m"


class Reporter:
    """A format; `color` (text only) paints severities and codes, `quiet` drops the summary."""

    def __init__(self, *, color: bool = False, quiet: bool = False) -> None:
        self.color = color
        self.quiet = quiet

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        raise NotImplementedError

    def statistics(self, result: LintResult, rules: Sequence[Rule]) -> str:
        """How many findings of each code, most frequent first (text; JSON in the JSON format)."""
        summaries = {rule.code: rule.summary for rule in rules}
        counts = _counts(result.diagnostics)
        width = max((len(str(n)) for n in counts.values()), default=1)
        code_width = max((len(code) for code, _ in counts), default=0)
        lines = [
            f"{n:>{width}}  {self._severity(severity, 7)}  {self._code(code, code_width)}  "
            f"{summaries.get(code, '')}".rstrip()
            for (code, severity), n in counts.items()
        ]
        if not self.quiet:
            lines.append(_summary(result.diagnostics, result.files))
        return "".join(line + "\n" for line in lines)

    def _severity(self, severity: str, width: int = 0) -> str:
        text = f"{severity:<{width}}"
        return f"{_COLOR[severity]}{text}{_RESET}" if self.color else text

    def _code(self, code: str, width: int = 0) -> str:
        text = f"{code:<{width}}"
        return f"{_CODE}{text}{_RESET}" if self.color else text


def _counts(diagnostics: Sequence[Diagnostic]) -> dict[tuple[str, str], int]:
    counted = Counter((d.rule, d.severity.value) for d in diagnostics)
    return dict(sorted(counted.items(), key=lambda item: (-item[1], item[0])))


class TextReporter(Reporter):
    """`file:line:col: severity code message`, the fix on the next line, then a summary."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        lines = []
        for d in result.diagnostics:
            place = f"{file_name(d.file or '')}:{d.line}:{d.column}:"
            if self.color:
                place = f"{_BOLD}{place}{_RESET}"
            lines.append(
                f"{place} {self._severity(d.severity.value)} {self._code(d.rule)} {visible(d.message)}"
            )
            lines.append(f"    fix: {visible(d.fix)}")
        if not self.quiet:
            summary = _summary(result.diagnostics, result.files)
            lines.append(f"{_BOLD}{summary}{_RESET}" if self.color else summary)
        return "".join(line + "\n" for line in lines)


class JsonReporter(Reporter):
    """A JSON list of diagnostics with every field."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        return json_dumps([_json_fields(d) for d in result.diagnostics]) + "\n"

    def statistics(self, result: LintResult, rules: Sequence[Rule]) -> str:
        summaries = {rule.code: rule.summary for rule in rules}
        counts = [
            {"code": code, "severity": severity, "count": n, "summary": summaries.get(code, "")}
            for (code, severity), n in _counts(result.diagnostics).items()
        ]
        return json_dumps(counts) + "\n"


def _json_fields(d: Diagnostic) -> dict[str, object]:
    fields = d.to_dict()
    if d.file is not None:  # undecodable bytes of a name as \xNN (JSON text is UTF-8)
        fields["file"] = decoded_name(d.file)
    return fields


class SarifReporter(Reporter):
    """SARIF 2.1.0, for GitHub code scanning and editors: every rule described, 1-based regions."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        from ._sarif import sarif_log  # noqa: PLC0415 - each format loads what it needs

        return json_dumps(sarif_log(result.diagnostics, rules)) + "\n"


_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    # GitHub's own escapes first (%, CR, LF), then every other control character made visible
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: annotations on the pull request's files."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        lines = [
            f"::{_GITHUB_COMMAND[d.severity.value]} file={_escape_property(file_name(d.file or ''))},"
            f"line={d.line or 1},col={d.column or 1},title={_escape_property(d.rule)}"
            f"::{_escape_data(f'{d.message}. Fix: {d.fix}')}"
            for d in result.diagnostics
        ]
        return "".join(line + "\n" for line in lines)


class JunitReporter(Reporter):
    """JUnit XML, for the test reports of CI servers: one failing test case per finding."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        from ._ci_reports import junit_xml  # noqa: PLC0415 - xml.etree only for this format

        return junit_xml(result.diagnostics, result.files)


class GitlabReporter(Reporter):
    """GitLab Code Quality: a JSON array of issues for merge requests."""

    def render(self, result: LintResult, rules: Sequence[Rule]) -> str:
        from ._ci_reports import gitlab_issues  # noqa: PLC0415

        return json_dumps(gitlab_issues(result.diagnostics)) + "\n"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    if not diagnostics:
        return f"{_plural(files, 'file')} checked: no problems."
    counts = {s: sum(1 for d in diagnostics if d.severity.value == s) for s in ("error", "warning", "info")}
    affected = len({d.file for d in diagnostics})
    found = ", ".join(_plural(n, s) for s, n in counts.items() if n)
    return f"{found} in {affected:,} of {_plural(files, 'file')}."


REPORTER_BY_NAME: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
    "junit": JunitReporter,
    "gitlab": GitlabReporter,
}
