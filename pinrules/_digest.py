"""Content digests for caches and generated-code names, without loading OpenSSL: `hashlib`
imports it (3 ms on every start) although BLAKE2 is built into Python itself."""

from __future__ import annotations

try:
    from _blake2 import blake2b  # what hashlib.blake2b is, without hashlib's OpenSSL import
except ImportError:  # a Python built without it: the same function, through hashlib
    from hashlib import blake2b

__all__ = ["blake2b"]
