"""What the `format` and `media_type_in` conditions know: web links, times, digits, media types.

Each format is a predicate on a string, strict where Pinterest (or the standard) is strict:

- `http_url`: an absolute http(s) URL whose host is a DNS name of letter-digit-hyphen labels
  (an IDN by its A-labels or in Unicode), an IPv4 address, or an IPv6 address in brackets;
- `rfc3339`: an RFC 3339 date-time with an offset (`parse_rfc3339`), leap seconds included;
- `digits`: ASCII digits only;
- `upload_id`: the id of an upload to the posting service (`med_...`).
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._errors import InvalidTime

if TYPE_CHECKING:
    from datetime import datetime

# the second is group 1: a leap second (60) is read by hand
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:(\d{2})(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 date-time with an explicit offset ('Z' or '+01:00') as an aware datetime.

    Raises InvalidTime (a ValueError) for anything else, an impossible date included. A leap
    second (second 60) is accepted where RFC 3339 section 5.7 puts one: the last second of a
    month in UTC (23:59:60Z, or the same instant at another offset, such as 15:59:60-08:00).
    Which months get one is announced only months ahead, so any month's end is accepted. A leap
    second is read as the instant after 23:59:59, which POSIX time shares with the next midnight.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise InvalidTime(f"not an RFC 3339 date-time with an offset: {text!r}")
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415 - 1 ms at start-up, for dates only

    leap = match.group(1) == "60"
    try:
        if not leap:
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        moment = datetime.fromisoformat(
            f"{text[: match.start(1)]}59{text[match.end(1) :]}".upper().replace("Z", "+00:00")
        )
    except ValueError as error:  # a day, hour or offset out of range
        raise InvalidTime(f"not a real date-time: {text!r} ({error})") from None
    in_utc = moment.astimezone(UTC)
    if (in_utc.hour, in_utc.minute, in_utc.second) != (23, 59, 59) or (in_utc + timedelta(days=1)).day != 1:
        raise InvalidTime(f"a leap second is the last second of a month in UTC (23:59:60Z), not {text!r}")
    return moment + timedelta(seconds=1)


def is_rfc3339(text: str) -> bool:
    """An RFC 3339 date-time with an explicit offset, a real date, and a leap second only where
    one can be (see `parse_rfc3339`)."""
    try:
        parse_rfc3339(text)
    except ValueError:
        return False
    return True


_LDH = re.compile(r"[A-Za-z0-9.-]+", re.ASCII)  # the letters, digits, hyphens and dots of a name
_IDN_DOTS = re.compile("[.\u3002\uff0e\uff61]")  # the dots IDNA treats as label separators
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
# the common case, settled without urlsplit: a host of letters, digits, hyphens and dots, and
# no port or user
_PLAIN_HTTP_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?:[/?#][^\x00-\x20\x7f]*)?", re.ASCII)


def _is_dns_name(name: str) -> bool:
    """Letter-digit-hyphen labels of 1 to 63 characters, no hyphen at either end, 253 characters
    in all (a final dot, the DNS root, allowed); a name whose last label is a number is an IPv4
    address and must be a valid one (as browsers read it); an xn-- label must be an A-label."""
    bare = name[:-1] if name.endswith(".") else name
    if not 0 < len(bare) <= 253 or _LDH.fullmatch(bare) is None:
        return False
    labels = bare.split(".")
    for label in labels:
        if not 0 < len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if label[2:4] == "--" and label[:2].lower() == "xn" and not _is_a_label(label):
            return False
    if labels[-1].isdigit():
        try:
            ipaddress.IPv4Address(bare)
        except ValueError:
            return False
    return True


def _is_a_label(label: str) -> bool:
    """An xn-- label is the A-label of a Unicode label that turns back into it (IDNA's ToUnicode)."""
    from encodings.idna import ToUnicode  # noqa: PLC0415 - only for the rare IDN

    try:
        ToUnicode(label)
    except UnicodeError:
        return False
    return True


def _to_ascii(name: str) -> str | None:
    """A Unicode host name as its A-labels (IDNA's ToASCII), or None when it cannot be one."""
    from encodings.idna import ToASCII  # noqa: PLC0415 - only for the rare non-ASCII host

    labels = _IDN_DOTS.split(name)
    try:
        return ".".join(label if label.isascii() else ToASCII(label).decode("ascii") for label in labels)
    except UnicodeError:
        return None


def is_host(host: str) -> bool:
    """A URL's host as written: a DNS name (an IDN by its A-labels or in Unicode), an IPv4
    address, or an IPv6 address in brackets."""
    if host.startswith("["):
        inner = host[1:-1]
        if not host.endswith("]") or "%" in inner:  # no zone ids: nothing public has one
            return False
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            return False
        return True
    if not host.isascii():
        ascii_name = _to_ascii(host)
        return ascii_name is not None and _is_dns_name(ascii_name)
    return _is_dns_name(host)


def is_http_url(text: str) -> bool:
    """An absolute http or https URL with a valid host (`is_host`), a port in range, and no
    spaces or control characters."""
    plain = _PLAIN_HTTP_URL.fullmatch(text)
    if plain:
        host = plain.group(1)
        # most hosts settle here: short (so no label is too long), no empty label, no hyphen at a
        # label's edge, not ending in a digit (an IPv4 address?), no "--" (an xn-- label?)
        if (
            len(host) <= 63
            and host[0] not in ".-"
            and host[-1] not in ".-0123456789"
            and ".." not in host
            and ".-" not in host
            and "-." not in host
            and "--" not in host
        ):
            return True
        return _is_dns_name(host)
    if not text[:6].lower().startswith(("http:", "https:")):
        return False  # no other scheme passes: settled without urlsplit (a mistake costs no more)
    if _URL_FORBIDDEN.search(text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    address = parts.netloc.rpartition("@")[2]
    if address.startswith("["):
        return is_host(address[: address.find("]") + 1] or address)
    return is_host(address.partition(":")[0])


def is_digits(text: str) -> bool:
    """ASCII digits only (a regex '^[0-9]+$' would also accept a trailing newline)."""
    return text.isascii() and text.isdigit()


UPLOAD_ID_PREFIX = "med_"
_UPLOAD_ID = re.compile(r"med_[A-Za-z0-9_-]{1,64}", re.ASCII)


def is_upload_id(text: str) -> bool:
    """The id of an upload to the posting service: `med_` and URL-safe letters (never all digits,
    which is Pinterest's own media id)."""
    return _UPLOAD_ID.fullmatch(text) is not None


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"[ \t]*({_TOKEN}/{_TOKEN})[ \t]*(?:;.*)?", re.ASCII | re.DOTALL)


def media_type(text: str) -> str | None:
    """The media type a `Content-Type`-style value names, as it is compared: type and subtype
    in lower case, without parameters ('IMAGE/JPEG; q=1' names 'image/jpeg', RFC 9110 section
    8.3.1); None when `text` does not name one."""
    match = _MEDIA_TYPE.fullmatch(text)
    return match.group(1).lower() if match else None
