"""pinrules: check a Pinterest post before it is published.

The public API is what this module names::

    from pinrules import Preflight, Diagnostic
    diagnostics = Preflight().check(post, account={"defaultBoardId": "549755885175"})
"""

from ._diagnostic import Diagnostic, Severity
from ._documents import Document, ParseError, read_document
from ._engine import Preflight
from ._rules import Example, Rule, RuleFileError, load_rules

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "Document",
    "Example",
    "ParseError",
    "Preflight",
    "Rule",
    "RuleFileError",
    "Severity",
    "__version__",
    "load_rules",
    "read_document",
]
