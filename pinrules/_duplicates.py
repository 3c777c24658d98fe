"""One `id`, one post: the same `id` in two post files of one run is `post.id.reused`.

The publish journal keys each post by its `id`, so a second post with the same `id` would be
taken for the first (and never published, or refused when its content differs). Each later
file that repeats an `id` is reported at its `id`, naming the file that had it first. A lint run
sees its files one at a time and keeps only each id's first file (memory stays flat).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._diagnostic import Diagnostic
    from ._documents import Document
    from ._engine import Preflight

CODE = "post.id.reused"


class DuplicateIds:
    """Ids seen so far in a run, each with the first file that had it."""

    def __init__(self, preflight: Preflight) -> None:
        self.preflight = preflight
        self.first: dict[str, str] = {}

    def see(self, document: Document) -> list[Diagnostic]:
        """`post.id.reused` when this file's `id` was an earlier file's."""
        post_id = document.value.get("id") if isinstance(document.value, dict) else None
        if not isinstance(post_id, str) or not post_id:
            return []
        earlier = self.first.setdefault(post_id, document.name)
        if earlier == document.name:
            return []
        message = f"id {post_id!r} is also the id of the post in {earlier}"
        return self.preflight.probe_diagnostics([(CODE, ("id",), message)], document)


def duplicate_ids(preflight: Preflight, documents: list[Document]) -> list[Diagnostic]:
    """`post.id.reused` at the `id` of every post that repeats an earlier post's `id`."""
    seen = DuplicateIds(preflight)
    return [diagnostic for document in documents for diagnostic in seen.see(document)]
