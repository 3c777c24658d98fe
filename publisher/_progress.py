"""Progress on a terminal: one line on stderr, rewritten as a video uploads and processes."""

from __future__ import annotations

import sys


class ProgressBar:
    """`PublishOptions(progress=ProgressBar("video"))`: a bar with a percentage for the upload,
    then the processing status."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if total:
            filled = int(30 * done / total)
            line = f"{self.name}: {stage} [{'#' * filled}{'.' * (30 - filled)}] {100 * done // total:3d}%"
        else:
            line = f"{self.name}: {stage}"
        sys.stderr.write("\r" + line[:100].ljust(100))
        sys.stderr.flush()
