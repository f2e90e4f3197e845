#!/usr/bin/env python3
"""HTTP health check of the web process, for Docker's HEALTHCHECK and the native end-to-end test.

Usage: ``python healthcheck.py [--url http://127.0.0.1:8000/healthz] [--timeout 5]``

Sends one GET with the ``Host`` header set to the first entry of ``$ALLOWED_HOSTS`` (Django refuses
unknown hosts) and ``X-Forwarded-Proto: https`` (as the TLS proxy in front of it would, so the HTTPS
redirect does not answer instead of the page). Healthy means a 2xx answer: exit 0; anything else prints
why and exits 1. Uses only the standard library (no extra process start-up cost).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
from urllib.parse import urlsplit

DEFAULT_URL = os.environ.get("TUTOR_HEALTH_URL", "http://127.0.0.1:8000/healthz")


def host_header(allowed_hosts: str, fallback: str) -> str:
    """The first concrete host in a comma-separated ALLOWED_HOSTS (``*`` and ``.domain`` need a fallback)."""
    for entry in (item.strip() for item in allowed_hosts.split(",")):
        if entry and entry != "*" and not entry.startswith("."):
            return entry
    return fallback


def probe(url: str, timeout: float, host: str) -> tuple[bool, str]:
    """(healthy, description) of one GET of ``url`` sent with ``Host: host``."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False, f"--url must be an http:// URL with a host (got {url!r})"
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https",
                                           "User-Agent": "tutor-healthcheck"})
        response = conn.getresponse()
        body = response.read(200)
    except OSError as exc:
        return False, f"GET {url} failed: {exc}"
    finally:
        conn.close()
    if 200 <= response.status < 300:
        return True, f"GET {url} (Host: {host}) -> {response.status}"
    return False, f"GET {url} (Host: {host}) -> {response.status}: {body[:200]!r}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="default: $TUTOR_HEALTH_URL or %(default)s")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds")
    parser.add_argument("--quiet", action="store_true", help="print only failures")
    args = parser.parse_args(argv)
    fallback = urlsplit(args.url).hostname or "localhost"
    healthy, text = probe(args.url, args.timeout, host_header(os.environ.get("ALLOWED_HOSTS", ""), fallback))
    if not healthy:
        print(f"healthcheck: {text}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"healthcheck: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
