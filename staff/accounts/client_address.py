"""The address a login comes from, for the lock-out (django-axes).

Behind the shipped nginx (deploy/nginx-staff.conf) every request reaches the
workspace from 127.0.0.1, so REMOTE_ADDR alone would make every nurse one
client: a stranger's five wrong passwords would lock her out wherever she is.
nginx sets X-Real-IP to the address it saw, replacing anything the client
sent; it is believed only from the loopback address nginx connects from, so a
client reaching the workspace directly cannot choose its own address.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

PROXY_HEADER = "HTTP_X_REAL_IP"


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def address(request: HttpRequest) -> str:
    direct = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get(PROXY_HEADER, "").strip()
    if _is_loopback(direct) and forwarded:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # not an address nginx would set: the direct one is kept
    return direct
