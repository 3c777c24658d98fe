"""One `id`, one post: the same `id` in two post files of one run is `post.id.reused`.

The publish journal keys each post by its `id`, so a second post with the same `id` would be
taken for the first (and never published, or refused when its content differs). Each later
file that repeats an `id` is reported, naming the first one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._diagnostic import Diagnostic
    from ._documents import Document
    from ._engine import Preflight

CODE = "post.id.reused"


def duplicate_ids(preflight: Preflight, documents: list[Document]) -> list[Diagnostic]:
    """`post.id.reused` at the `id` of every post that repeats an earlier post's `id`."""
    first: dict[str, Document] = {}
    found: list[Diagnostic] = []
    for document in documents:
        post_id = document.value.get("id") if isinstance(document.value, dict) else None
        if not isinstance(post_id, str) or not post_id:
            continue
        earlier = first.setdefault(post_id, document)
        if earlier is document:
            continue
        line, column = earlier.position(("id",))
        message = f"id {post_id!r} is also the id of the post in {earlier.name}:{line}:{column}"
        found += preflight.probe_diagnostics([(CODE, ("id",), message)], document)
    return found
