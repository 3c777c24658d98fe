"""Which network addresses user-supplied URLs may reach.

URLs in posts are user input; fetching them from a CI runner or a server must not become a
way to reach its private network or a cloud metadata service. By default only globally
routable unicast addresses are allowed. The check runs on the address actually connected
to (see `_network`), so DNS names, IP literals and every redirect hop are covered alike.
"""

from __future__ import annotations

import ipaddress

from ._errors import BlockedAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside mapped, 6to4, NAT64 and Teredo IPv6 forms."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def why_not_public(address: str) -> str | None:
    """None for a public unicast address, else what kind of address it is."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = why_not_public(str(inner))
            return None if reason is None else f"{reason} (inside the IPv6 address {ip})"
    for test, name in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (cloud metadata lives here)"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "the unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(ip, test):
            return name
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a carrier-grade NAT address"
    if not ip.is_global:
        return "not a public address"
    return None


def check_address(address: str) -> None:
    """Raise BlockedAddressError unless `address` is public."""
    reason = why_not_public(address)
    if reason is not None:
        raise BlockedAddressError(f"refused to connect to {address}: {reason}")
