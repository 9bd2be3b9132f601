"""Which addresses the node may open a connection to: public ones only, unless configured.

A node fetches documents and sends requests to URLs that other people chose. Without a
gate, a proposal naming `http://127.0.0.1:6379` or `http://169.254.169.254` would make the
node knock on its own machine or network for a stranger. The gate sits in the socket
factory that the HTTP client's connector calls with the exact address it is about to
connect to, after DNS: so an IP literal, a name that resolves to a private address, and a
name whose DNS answer changes between two lookups (rebinding) are all judged on the address
actually dialled. `federation.allow_private_addresses` turns the gate off for demos, tests
and private container networks.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

# What aiohttp's connector hands its socket factory: one getaddrinfo() entry.
AddrInfo = tuple[Any, Any, int, str, tuple[Any, ...]]
SocketFactory = Callable[[AddrInfo], socket.socket]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # carries an IPv4 address in its last 32 bits
# Special ranges that not every Python's `is_global` knows yet (RFC 8215 local-use NAT64, ...).
NOT_GLOBAL = [ipaddress.IPv6Network("64:ff9b:1::/48"), ipaddress.IPv6Network("100::/64")]


class AddressRefused(OSError):
    """The connection would go to a loopback, private or otherwise special address."""


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet (unicast, globally routable)."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if any(address in network for network in NOT_GLOBAL):
        return False
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo), judged on its own."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def socket_factory(allow_private: bool) -> SocketFactory:
    """A socket factory for aiohttp's TCPConnector that refuses special addresses."""

    def create(addr_info: AddrInfo) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        if not allow_private:
            host = str(sockaddr[0]).partition("%")[0]  # an IPv6 zone id is not part of the address
            if not is_public(ipaddress.ip_address(host)):
                raise AddressRefused(f"{host} is a private or special address, which this node does not connect to")
        return socket.socket(family=family, type=type_, proto=proto)

    return create
