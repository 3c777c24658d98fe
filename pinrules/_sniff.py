"""The type of media from its first bytes, never from its name."""

from __future__ import annotations

SNIFF_BYTES = 64


_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"mmp4",
    b"MSNV",
}
_M4V_BRANDS = {b"M4V ", b"M4VH", b"M4VP"}
_MOV_BRANDS = {b"qt  "}
_3GP_PREFIX = (b"3gp", b"3g2")


def sniff(head: bytes) -> str | None:
    """A MIME type for the known media formats, or None when the bytes are not one of them."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"BM") and len(head) >= 14:
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        return _iso_bmff(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video/quicktime"  # old QuickTime files start with an atom other than ftyp
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:SNIFF_BYTES] else "video/x-matroska"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"
    if text.startswith((b"<?xml", b"<svg")):
        return "image/svg+xml" if b"<svg" in text else "application/xml"
    return None


def _iso_bmff(head: bytes) -> str:
    """ISO base media files: the major brand (and compatible brands) say which container."""
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(len(head), 64) - 3, 4)]
    major = brands[0]
    if major in _MOV_BRANDS:
        return "video/quicktime"
    if major in _M4V_BRANDS:
        return "video/x-m4v"
    if major.startswith((b"heic", b"heix", b"mif1", b"msf1")):
        return "image/heic"
    if major == b"avif":
        return "image/avif"
    if major.startswith(_3GP_PREFIX):
        return "video/3gpp"
    if major in _MP4_BRANDS or any(b in _MP4_BRANDS for b in brands[1:]):
        return "video/mp4"
    return "video/mp4" if major.startswith(b"mp4") else "application/octet-stream"


def describe(mime: str | None) -> str:
    """How a found type is named in messages."""
    if mime is None:
        return "content of an unknown type"
    if mime == "text/html":
        return "text/html (a login or error page?)"
    return mime
