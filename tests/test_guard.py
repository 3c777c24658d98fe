"""The address guard: only public unicast addresses, whatever form they are written in."""

from __future__ import annotations

import pytest

from pinrules import BlockedAddressError, check_address, why_not_public


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::", "private"),  # 6to4 of 192.168.1.1
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "private"),  # benchmarking range
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    """Each non-public form is named for what it is, and check_address raises."""
    reason = why_not_public(address)
    assert reason is not None
    assert kind in reason
    with pytest.raises(BlockedAddressError, match="refused to connect"):
        check_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "2a00:1450:4001:82b::200e"]
)
def test_public_addresses_pass(address: str) -> None:
    """Globally routable unicast addresses are allowed."""
    assert why_not_public(address) is None
    check_address(address)
