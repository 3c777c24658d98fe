"""A step of the publish flow that failed: its code, its message, where in the post, and
whether trying again later may work (nothing was created either way)."""

from __future__ import annotations

from ._errors import (
    AmbiguousResponse,
    ConnectionFailed,
    MalformedAnswer,
    PinterestError,
    PublisherError,
    RateLimited,
    ReauthRequired,
    RefreshFailed,
    ServerError,
)

Pointer = tuple[str | int, ...]
_MEDIA: Pointer = ("media", 0)
_PATH: Pointer = ("media", 0, "path")
# where each failure is reported in the post: the media item, or the post itself
_WHERE = {
    "pinterest.media.register_failed": _MEDIA,
    "pinterest.video.upload_failed": _MEDIA,
    "pinterest.video.transcode_failed": _MEDIA,
    "pinterest.video.transcode_timeout": _MEDIA,
    "pinterest.image.size_max": _MEDIA,
    "post.media.path_readable": _PATH,
    "post.media.path_outside": _PATH,
    "pinterest.video.status_unreadable": _MEDIA,
}


class FlowError(PublisherError):
    """A step of the flow failed: its code and message become the post's diagnostic.

    `retry` says the failure may pass (rate limit, network, Pinterest unavailable), with
    `retry_after` seconds when Pinterest said how long; otherwise it is final for this post."""

    def __init__(
        self, code: str, message: str, *, retry: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pointer = _WHERE.get(code, ())
        self.retry = retry
        self.retry_after = retry_after


def step_failed(error: PinterestError, code: str, what: str) -> FlowError:
    """The FlowError of a request that creates no pin (a lookup, an upload slot, a status poll):
    the account's troubles and passing ones by their own codes, a refusal as `code`."""
    if isinstance(error, ReauthRequired):
        return FlowError("pinterest.account.reauth_required", str(error))
    if isinstance(error, RefreshFailed):
        return FlowError("pinterest.account.refresh_failed", str(error), retry=True)
    if isinstance(error, RateLimited) and not error.is_spam:
        wait = f"; Pinterest asks to wait {error.retry_after:g} s" if error.retry_after is not None else ""
        return FlowError(
            "pinterest.api.rate_limited", f"{what}: {error}{wait}", retry=True, retry_after=error.retry_after
        )
    if isinstance(error, ConnectionFailed | AmbiguousResponse | ServerError | MalformedAnswer):
        return FlowError("pinterest.api.unavailable", f"{what}: {error}", retry=True)
    return FlowError(code, f"{what}: {error}")
