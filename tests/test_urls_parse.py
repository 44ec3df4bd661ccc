"""lint/urls.py ``parse``: a URL with a space inside (any character ``str.isspace`` names)
is not a URL."""

from __future__ import annotations

import sys

from infergw_lint import urls


def test_a_space_inside_is_not_a_url():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    for ch in spaces:
        assert urls.parse(f"http://bifrost{ch}.ns.svc:8080") is None, hex(ord(ch))
        assert urls.parse(f"{ch}http://bifrost.ns.svc:8080{ch}") is not None, hex(ord(ch))  # stripped


def test_ordinary_urls():
    t = urls.parse("http://bifrost.llm.svc.cluster.local:8080/v1")
    assert (t.host, t.port, t.service, t.namespace) == ("bifrost.llm.svc.cluster.local", 8080, "bifrost", "llm")
    assert urls.parse("bifrost:8080").service == "bifrost"
    assert urls.parse("env.BASE_URL") is None and urls.parse("") is None and urls.parse(None) is None
