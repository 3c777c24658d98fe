"""Errors of the Pinterest client. Each keeps what Pinterest said, never the token.

PinterestError
├── ApiError                 Pinterest answered with an error status
│   ├── BadRequest           400: the request was refused as invalid
│   ├── Unauthorized         401: the token is missing, expired or revoked
│   ├── Forbidden            403: the token lacks a scope, or the board is not yours
│   ├── NotFound             404
│   ├── RateLimited          429 (retried unless it says spam)
│   └── ServerError          5xx (retried)
├── ConnectionFailed         no connection could be made (safe to retry)
└── AmbiguousResponse        the request may have reached Pinterest, no answer came back
"""

from __future__ import annotations


class PinterestError(Exception):
    """Base class of the client's errors."""


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
