"""Bifrost otel plugin sending to Langfuse without valid Langfuse headers.

## What it does

For every `otel` plugin (each entry of `profiles` too) that sends to Langfuse, checks
`headers` (header names are case-insensitive):

- `Authorization` is missing;
- `Authorization` is an unfilled placeholder (`Basic <BASE64(pk:sk)>`, `...`);
- `Authorization` is not `Basic <base64>` (for example `Bearer sk-lf-...`);
- the base64 does not decode to `pk-lf-...:sk-lf-...` (public key, colon, secret key):
  not base64, no colon, keys swapped, not Langfuse keys, or a trailing newline from
  `echo` without `-n`;
- `x-langfuse-ingestion-version` is missing (a warning) or not `"4"`.

An `env.VAR` value (or a `${VAR}` filled in at deploy time) is accepted as is: the
credential then lives in a Secret.

The plugin sends to Langfuse when its `collector_url` host contains `langfuse` or its
path contains `/api/public/otel` (see IGW204), or when its headers already carry
`x-langfuse-ingestion-version`. Other collectors are not checked. The decoded secret is
never printed.

## Why

Langfuse authenticates OTLP requests with HTTP Basic auth, public key as user name and
secret key as password. A placeholder, swapped keys or a Bearer token get 401 for every
span: the gateway works and Langfuse stays empty. Without `x-langfuse-ingestion-version:
4` Langfuse takes the legacy ingestion path and traces show up late in the current UI
and the v2 APIs.

## Example

```json
"headers": {
  "Authorization": "Basic <BASE64(pk:sk)>",
  "x-langfuse-ingestion-version": "4"
}
```

## Fix

Keep the credential in a Secret and reference it:

```json
"headers": {
  "Authorization": "env.LANGFUSE_BASIC_AUTH",
  "x-langfuse-ingestion-version": "4"
}
```

with `LANGFUSE_BASIC_AUTH` set to `Basic $(echo -n "pk-lf-...:sk-lf-..." | base64 -w0)`.

Autofix: no.
"""

from __future__ import annotations

import base64
import binascii
import re

from infergw_lint.domain import bifrost_configs
from infergw_lint.lazyre import lazy
from infergw_lint.rule import Rule, report
from infergw_lint.rules.igw204_bifrost_otel_collector_url import is_langfuse_url

INGESTION_HEADER = "x-langfuse-ingestion-version"
PLACEHOLDER = lazy(r"<[^>]*>|\.\.\.|\u2026|(?i:base64\s*\(|your[-_ ]|changeme|placeholder|xxxx)")
REFERENCE = lazy(r"^(env\.[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]+\}|\{\{.*\}\})$", re.S)
B64 = lazy(r"^[A-Za-z0-9+/]+={0,2}$")


def _header(headers: dict, name: str):
    """(actual key, value) of a header, matched case-insensitively, or (None, None)."""
    for key, value in headers.items():
        if isinstance(key, str) and key.strip().lower() == name:
            return key, value
    return None, None


def basic_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Langfuse Basic credential, or None."""
    v = value.strip()
    if REFERENCE.match(v):
        return None
    if PLACEHOLDER.search(v):
        return "is an unfilled placeholder"
    scheme, _, token = v.partition(" ")
    if scheme.lower() != "basic":
        if scheme.lower() == "bearer":
            return "uses Bearer; Langfuse's OTLP endpoint takes Basic auth (public key as user, secret key as password)"
        return "is not 'Basic <base64(publicKey:secretKey)>'"
    token = token.strip()
    if REFERENCE.match(token):
        return None
    if not token or not B64.match(token) or len(token) % 4:
        return "is not valid base64 after 'Basic '"
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return "is not valid base64 after 'Basic '"
    user, sep, password = decoded.partition(":")
    if not sep:
        return "decodes to a value without ':'; it must be base64 of 'publicKey:secretKey'"
    if decoded != decoded.strip():
        return "decodes to a value with surrounding whitespace or a newline; encode it with `echo -n`"
    if user.startswith("sk-lf-") and password.startswith("pk-lf-"):
        return "has the keys swapped; it must be base64 of 'pk-lf-...:sk-lf-...' (public key first)"
    if not user.startswith("pk-lf-"):
        return "decodes to a user name that is not a Langfuse public key (pk-lf-...)"
    if not password.startswith("sk-lf-"):
        return "decodes to a password that is not a Langfuse secret key (sk-lf-...)"
    return None


class OtelLangfuseAuth(Rule):
    code = "IGW205"
    name = "bifrost-otel-langfuse-auth"
    severity = "error"
    flavors = ("k8s", "bifrost")
    k8s_kinds = ("ConfigMap",)  # domain.bifrost_configs: configs are in ConfigMaps only
    tags = ("bifrost", "langfuse", "observability")
    requires = staticmethod(bifrost_configs)  # nothing to report in a document without one
    security_severity = "4.0"

    def check(self, doc, ctx):
        keep_severity = self.code in (getattr(ctx.options, "severity", None) or {})
        for cfg in bifrost_configs(doc):
            for path, prof in cfg.otel_profiles():
                if prof.get("enabled") is False:
                    continue
                headers = prof.get("headers")
                if headers is not None and not isinstance(headers, dict):
                    continue  # IGW206 reports the type
                headers = headers or {}
                version_key, version = _header(headers, INGESTION_HEADER)
                if not (is_langfuse_url(prof.get("collector_url")) or version_key is not None):
                    continue
                hpath = path + ("headers",)
                auth_key, auth = _header(headers, "authorization")
                if auth_key is None:
                    yield report(
                        hpath,
                        "otel exporter to Langfuse sends no Authorization header: Langfuse answers 401 and no trace "
                        "arrives. Add \"Authorization\": \"env.LANGFUSE_BASIC_AUTH\" (Basic base64 of pk-lf-...:sk-lf-...)",
                        key=True,
                        help="Add \"Authorization\": \"env.LANGFUSE_BASIC_AUTH\" (Basic base64 of pk-lf-...:sk-lf-...)",
                    )
                elif isinstance(auth, str):
                    why = basic_problem(auth)
                    if why:
                        yield report(
                            hpath + (auth_key,),
                            f"Langfuse Authorization header {why}: Langfuse rejects the spans with 401 and no trace "
                            "arrives. Use \"Basic \" + base64 of 'pk-lf-...:sk-lf-...', kept in a Secret "
                            "(\"env.LANGFUSE_BASIC_AUTH\")",
                            help="Use \"Basic \" + base64 of 'pk-lf-...:sk-lf-...', kept in a Secret "
                            "(\"env.LANGFUSE_BASIC_AUTH\")",
                        )
                if version_key is None:
                    yield report(
                        hpath,
                        f"otel exporter to Langfuse does not send {INGESTION_HEADER}: \"4\": Langfuse takes the legacy "
                        "ingestion path and traces show up late; add the header",
                        key=True,
                        severity=None if keep_severity else "warning",
                    )
                elif not (str(version).strip() == "4" or (isinstance(version, str) and REFERENCE.match(version.strip()))):
                    shown = str(version)[:20]
                    yield report(
                        hpath + (version_key,),
                        f"{INGESTION_HEADER} is {shown!r}; Langfuse's OTLP ingestion expects \"4\"",
                    )


RULE = OtelLangfuseAuth()
