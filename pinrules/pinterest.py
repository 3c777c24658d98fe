"""Pinterest's facts, in one place: limits, media types, and how a post maps to a pin.

Every other place (the online checks, the video download cap, the stand-in, messages, test
strategies) reads them from here; the rule files state the same numbers as data, and the tests
check both against Pinterest's official OpenAPI description (API v5) where it states them.

    from pinrules import pinterest
    pinterest.TITLE_MAX_CHARACTERS          # 100
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing would cost start-up time; mypy reads this as True
if TYPE_CHECKING:
    from typing import Any, Final

# sizes in bytes (the provider reference: 20 MB images, ~2 GB videos)
IMAGE_MAX_BYTES: Final = 20_000_000
VIDEO_MAX_BYTES: Final = 2_000_000_000

# lengths in characters (the official description's PinCreate maxLength)
TITLE_MAX_CHARACTERS: Final = 100
DESCRIPTION_MAX_CHARACTERS: Final = 800
ALT_TEXT_MAX_CHARACTERS: Final = 500
LINK_MAX_CHARACTERS: Final = 2048

# media types Pinterest takes, with the names people know them by
IMAGE_TYPES: Final = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
VIDEO_TYPES: Final = {"video/mp4": "MP4", "video/quicktime": "MOV", "video/x-m4v": "M4V"}
# what the API accepts inline as image_base64 (its ContentType enum); WebP only by URL
BASE64_IMAGE_TYPES: Final = ("image/jpeg", "image/png")

# the PinCreate field each post field and options.pinterest field becomes (boardId -> board_id
# and coverImageUrl -> media_source.cover_image_url are set by the flows)
POST_FIELDS: Final = {"title": "title", "text": "description"}
OPTION_FIELDS: Final = {"destinationUrl": "link", "altText": "alt_text", "boardSectionId": "board_section_id"}
PINTEREST_OPTIONS: Final = ("boardId", "boardSectionId", "destinationUrl", "altText", "coverImageUrl")

# the video flow: poll GET /v5/media/{id} every 2 s for up to 5 minutes
MEDIA_POLL_INTERVAL_SECONDS: Final = 2.0
MEDIA_POLL_TIMEOUT_SECONDS: Final = 300.0

# API rate limits by the app's access tier (Pinterest's "Rate limits" reference): Trial access,
# 1,000 requests a day per app; Standard access, 100 requests a second per user per app; each for
# all API requests (endpoint categories have lower limits of their own, not stated here)
ACCESS_TIERS: Final = ("trial", "standard")
TRIAL_REQUESTS_PER_DAY: Final = 1000  # per app: every account of the app shares them
STANDARD_REQUESTS_PER_SECOND: Final = 100  # per user per app: each account has its own
# each tier's limit as (requests, per so many seconds), the same in requests a second, and the
# tiers whose limit all accounts of the app share
RATE_LIMITS: Final = {
    "trial": (TRIAL_REQUESTS_PER_DAY, 86_400.0),
    "standard": (STANDARD_REQUESTS_PER_SECOND, 1.0),
}
REQUESTS_PER_SECOND: Final = {tier: requests / seconds for tier, (requests, seconds) in RATE_LIMITS.items()}
PER_APP_TIERS: Final = ("trial",)

# OAuth scopes the official description requires for the calls publishing makes (POST /pins
# alone asks boards:read, boards:write, pins:read and pins:write; GET /user_account asks
# user_accounts:read)
PUBLISH_SCOPES: Final = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")
# secret boards, off by default: the official description's scopes to see a secret board, see
# the pins on it (a create is reconciled there) and create secret pins. The provider reference
# names only pins:read_secret for this.
SECRET_BOARD_SCOPES: Final = ("boards:read_secret", "pins:read_secret", "pins:write_secret")
# either lets an account pin to a secret board: the reference's name, or the official one
SECRET_PIN_SCOPES: Final = ("pins:read_secret", "pins:write_secret")


def may_pin_to_secret_boards(scopes: Any) -> bool:
    """Whether an account's scopes let it pin to a secret board (either name in SECRET_PIN_SCOPES)."""
    return any(scope in scopes for scope in SECRET_PIN_SCOPES)


def type_names(types: dict[str, str]) -> str:
    """'JPEG, PNG or WebP': the allowed types as a person reads them."""
    names = list(types.values())
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def pinterest_options(post: Any) -> dict[str, Any]:
    """A post's `options.pinterest` mapping; empty when it is absent or not a mapping."""
    options = post.get("options") if isinstance(post, dict) else None
    found = options.get("pinterest") if isinstance(options, dict) else None
    return found if isinstance(found, dict) else {}
