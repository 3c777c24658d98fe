"""Every error the publisher raises, in one tree under pinrules' root. Each keeps what Pinterest
said, never a token, a code or the app secret.

pinrules.PinrulesError
└── PublisherError               the root of the publisher's errors
    ├── PinterestError           talking to Pinterest went wrong
    │   ├── ApiError             Pinterest answered with an error status
    │   │   ├── BadRequest       400: the request was refused as invalid
    │   │   ├── Unauthorized     401: the token is missing, expired or revoked
    │   │   ├── Forbidden        403: the token lacks a scope, or the board is not yours
    │   │   ├── NotFound         404
    │   │   ├── RateLimited      429 (retried unless it says spam)
    │   │   └── ServerError      5xx (retried, except a create: see AmbiguousResponse)
    │   ├── ConnectionFailed     no connection could be made (nothing was sent)
    │   ├── AmbiguousResponse    the request may have reached Pinterest, no answer came back
    │   ├── OAuthError           connecting an account or refreshing its tokens failed
    │   └── ReauthRequired       the account's tokens are dead: connect it again
    ├── StoreError               the account store cannot be used as asked
    ├── ScheduleError            a scheduled post cannot be changed as asked (in _schedule)
    ├── MediaError               a stored media item cannot be found or read (in _media_store)
    ├── MediaTransferError       moving a video's bytes failed
    │   ├── DownloadFailed       fetching a video URL before upload
    │   └── UploadFailed         the multipart upload to Pinterest's storage
    ├── NoCredentials            publish() without a token or account (also a ValueError)
    ├── UnknownEvent             subscribing to an event that does not exist (also a ValueError)
    └── NotPicklable             a Secret refuses to be pickled (also a TypeError)
"""

from __future__ import annotations

from pinrules import PinrulesError


class PublisherError(PinrulesError):
    """The root of the publisher's errors."""


class PinterestError(PublisherError):
    """Talking to Pinterest went wrong."""


class ApiError(PinterestError):
    """Pinterest's error answer: HTTP status, its error `code` and `message`, the request id."""

    def __init__(self, status: int, code: int | None, message: str, request_id: str | None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        request = f" (request id {request_id})" if request_id else ""
        super().__init__(f"Pinterest answered {status}: {message}{request}")


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    def __init__(self, status: int, code: int | None, message: str, request_id: str | None,
                 retry_after: float | None = None) -> None:  # fmt: skip
        super().__init__(status, code, message, request_id)
        self.retry_after = retry_after

    @property
    def is_spam(self) -> bool:
        """Pinterest flags spammy traffic with 429s that must not be retried."""
        return "spam" in self.message.lower()


class ServerError(ApiError):
    pass


class ConnectionFailed(PinterestError):
    """No connection could be made; nothing was sent."""


class AmbiguousResponse(PinterestError):
    """The request was (perhaps) sent but no answer arrived: it may or may not have taken effect."""


class OAuthError(PinterestError):
    """The OAuth flow or a token refresh failed; the message never holds a code or a token."""


class ReauthRequired(PinterestError):
    """The account's tokens can no longer be refreshed: it must be connected again."""

    def __init__(self, account: str, reason: str) -> None:
        self.account = account
        super().__init__(
            f"account {account!r} needs to be connected again ({reason}): "
            f"run `pinrules accounts connect --name {account}`"
        )


class StoreError(PublisherError):
    """The account store cannot be used as asked; the message says what to do."""


class MediaTransferError(PublisherError):
    """A video's bytes could not be moved; the message says why (never with a credential)."""


class DownloadFailed(MediaTransferError):
    pass


class UploadFailed(MediaTransferError):
    pass


class NoCredentials(PublisherError, ValueError):
    """Publishing needs a token or a connected account."""


class UnknownEvent(PublisherError, ValueError):
    """An event name that no one emits."""


class NotPicklable(PublisherError, TypeError):
    """Secrets never leave the process by pickling."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def api_error(status: int, body: object, request_id: str | None, retry_after: float | None) -> ApiError:
    """The error class for a status, from Pinterest's error body {code, message}."""
    code = body.get("code") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    text = message if isinstance(message, str) else f"HTTP {status}"
    number = code if isinstance(code, int) and not isinstance(code, bool) else None
    if status == 429:
        return RateLimited(status, number, text, request_id, retry_after)
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, ApiError)
    return cls(status, number, text, request_id)
