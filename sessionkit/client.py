"""What sessionkit records about the client: its address and its user agent, cleaned.

Both come from the request and so from whoever sent it: an address is believed only as far as
your own proxies vouch for it, and neither is stored with control characters or unbounded.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from sessionkit.conf import conf

MAX_USER_AGENT_LENGTH = 300


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when unknown or ``SESSIONKIT_STORE_IP`` is off.

    Behind proxies, set ``SESSIONKIT_IP_HEADER`` to the header they append to (for example
    ``"HTTP_X_FORWARDED_FOR"``) and ``SESSIONKIT_TRUSTED_PROXIES`` to how many of them there
    are: each appends the address it was connected from, so the client's address is that many
    entries from the right. Anything left of it was written by the client and is not believed.
    """
    if not conf.SESSIONKIT_STORE_IP:
        return None
    header = conf.SESSIONKIT_IP_HEADER
    if header is None:
        return parse_address(request.META.get("REMOTE_ADDR"))
    hops = str(request.META.get(header, "")).split(",")
    trusted = conf.SESSIONKIT_TRUSTED_PROXIES
    return parse_address(hops[-trusted]) if 0 < trusted <= len(hops) else None


def parse_address(value: object) -> str | None:
    """``value`` as a normalised IP address (a port or IPv6 zone dropped), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.9:51234
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text.split("%")[0]))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    """The client's user agent, without control characters, at most 300 characters."""
    text = str(request.headers.get("user-agent", ""))
    return "".join(ch for ch in text if ch.isprintable())[:MAX_USER_AGENT_LENGTH]
