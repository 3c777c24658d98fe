"""Whether to colour the text report: `--color auto|always|never`, NO_COLOR and FORCE_COLOR.

`always` and `never` are the user's word for this run. With `auto` (the default): NO_COLOR set
and not empty turns colour off (https://no-color.org), else FORCE_COLOR set and not empty turns
it on (https://force-color.org), else colour when the report goes to a terminal that is not
"dumb". When both variables are set, NO_COLOR wins: asking for no colour is the safer reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO | None, environ: Mapping[str, str]) -> bool:
    """`stream` is None when the report goes to a file."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return stream is not None and stream.isatty() and environ.get("TERM") != "dumb"
