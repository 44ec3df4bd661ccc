"""Where a URL in a config points: a Kubernetes Service (by DNS name), a private address,
or elsewhere.  Used by the Bifrost URL rules (IGW210-IGW212)."""

from __future__ import annotations

import re
from functools import lru_cache

from .record import FrozenRecord

CLUSTER_SUFFIXES = (".svc.cluster.local", ".svc")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class Target(FrozenRecord):
    """What a URL names."""

    _fields = ("scheme", "host", "port", "path", "service", "namespace")

    def __init__(
        self, scheme: str, host: str, port: int | None, path: str, service: str | None = None,
        namespace: str | None = None,
    ):
        self.scheme = scheme
        self.host = host  # lower case, no port
        self.port = port
        self.path = path
        self.service = service  # a Service name, when the host is a cluster DNS name
        self.namespace = namespace  # its namespace; None for a short name (the caller's namespace)

    @property
    def in_cluster(self) -> bool:
        return self.service is not None

    @property
    def private_ip(self) -> bool:
        """An RFC 1918 (or IPv6 unique local) address."""
        import ipaddress

        try:
            ip = ipaddress.ip_address(self.host.strip("[]"))
        except ValueError:
            return False
        rfc1918, ula = _private_networks()
        if ip.version == 4:
            return any(ip in net for net in rfc1918)
        return ip in ula


# urllib.parse and ipaddress (~3% of a small run's start-up) are imported when a URL is read
@lru_cache(maxsize=None)
def _private_networks() -> tuple:
    import ipaddress

    rfc1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
    return rfc1918, ipaddress.ip_network("fc00::/7")


_URLSPLIT = None


def parse(url) -> Target | None:
    """The target of ``url`` (``http://name.ns.svc.cluster.local:8000/v1``, ``host:port``),
    or None for a non-string, an ``env.VAR`` reference or something that is not a URL."""
    if not isinstance(url, str):
        return None
    return _parse(url)


@lru_cache(maxsize=4096)
def _parse(url: str) -> Target | None:
    # kept by the URL: IGW210-IGW212 each read every URL of every config, and copies of a
    # config repeat them (a Target is not changed by its readers)
    raw = url.strip()
    # (split breaks at the characters isspace() names: a stripped text with one inside has two parts)
    if not raw or raw.startswith("env.") or len(raw) > 2048 or len(raw.split(None, 1)) > 1:
        return None
    if "://" not in raw:
        raw = "//" + raw  # host:port
    global _URLSPLIT
    if _URLSPLIT is None:  # on first use: an import statement on every call costs more
        from urllib.parse import urlsplit as _URLSPLIT
    try:
        parts = _URLSPLIT(raw)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    service = namespace = None
    for suffix in CLUSTER_SUFFIXES:
        if host.endswith(suffix):
            labels = host[: -len(suffix)].split(".")
            if len(labels) == 2 and all(_LABEL.match(x) for x in labels):
                service, namespace = labels
            break
    else:
        if "." not in host and host not in LOOPBACK_NAMES and _LABEL.match(host) and not host.isdigit():
            service = host  # a short name: a Service in the caller's own namespace
    return Target(parts.scheme.lower(), host, port, parts.path or "", service, namespace)
