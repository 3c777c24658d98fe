"""A step of the publish flow that failed: its code, its message and where in the post."""

from __future__ import annotations

from ._errors import PublisherError, ReauthRequired

Pointer = tuple[str | int, ...]
_MEDIA: Pointer = ("media", 0)
# where each failure is reported in the post: the media item, or the post itself
_WHERE = {
    "pinterest.media.register_failed": _MEDIA,
    "pinterest.video.upload_failed": _MEDIA,
    "pinterest.video.transcode_failed": _MEDIA,
    "pinterest.video.transcode_timeout": _MEDIA,
    "pinterest.video.status_unreadable": _MEDIA,
}


class FlowError(PublisherError):
    """A step of the flow failed: its code and message become the post's diagnostic."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pointer = _WHERE.get(code, ())


def reraise_reauth(error: Exception) -> None:
    """An account that must reconnect is not a failure of this step: let it through."""
    if isinstance(error, ReauthRequired):
        raise error
