"""A credential written in plain text in a ConfigMap or a config file.

## What it does

Looks at every string in ConfigMap `data` (including the JSON or YAML a data key holds,
and `KEY=value` lines of env-style data), in Bifrost configs (config.json files and
Helm-style values files holding one) and in client configs (Continue, Aider, Cline), and
reports the value when it is a literal credential:

- a token with a known shape: Anthropic `sk-ant-...`, OpenAI `sk-proj-...`/`sk-...`
  (also Bifrost virtual keys `sk-bf-...`), Langfuse `sk-lf-...`, Google `AIza...`,
  AWS `AKIA...`, Groq `gsk_...`, xAI `xai-...`, Hugging Face `hf_...`, GitHub
  `ghp_...`, Slack `xox?-...`, a PEM private key;
- an `Authorization`-style `Basic <base64 user:password>` or `Bearer <token>`;
- any literal in a credential field: a Bifrost key's `value`, `api_key`/`apiKey`,
  Aider `openai-api-key`, `password`, `secret`, `token`, `encryption_key`, ...

Not reported: references (Bifrost `env.VAR` and `vault.path`, `${VAR}`, `$VAR`,
`{{ ... }}` templates) and placeholders: empty, `dummy`, `none`, `EMPTY`,
`changeme`, `sk-no-key-required`, `<...>`, `...`, `your-api-key`, `xxxx`. A
local vLLM behind Bifrost takes any key, so `"value": "dummy"` is the documented
setting, not a leak; `changeme` is a default that must be replaced, not a secret.

The message names the kind and a masked form (`sk-ant-…5gA`: the known prefix and the
last three characters); the secret itself is never printed. Only the first 256 KiB of a
string is scanned and at most 200,000 values per document.

In a multi-line ConfigMap value (an `app.env` block), each `KEY=value` line is reported on
its own line and columns. Passwords are reported from 4 characters (`"password": "admin"`
is a real, weak one); other credential fields from 8.

**Not judged** (deliberately): identifiers that a schema names as IDs, even when they look
like keys (a Bifrost virtual key's or provider key's `id`, `key_ids`); lines of source code
in a ConfigMap (`key := "server.key"`, `token = get();`, a call or a statement), which are
not `KEY=value` settings; Secrets (they are where credentials belong).

## Why

ConfigMaps are readable by anyone with `get configmaps` in the namespace, are printed by
`kubectl describe` and land in Git, CI logs and backups; client configs are committed
with the repository. A provider key there is a leaked key. Bifrost reads `env.VAR` from
its environment, so the value can live in a Secret.

## Example

```yaml
data:
  config.json: |
    {"providers": {"anthropic": {"keys": [
      {"name": "claude", "value": "sk-ant-api03-...", "weight": 1}]}}}
```

## Fix

Put the value in a Secret, expose it to the Bifrost container as an environment variable
and reference it:

```json
{"name": "claude", "value": "env.ANTHROPIC_API_KEY", "weight": 1}
```

```yaml
env:
  - name: ANTHROPIC_API_KEY
    valueFrom: {secretKeyRef: {name: bifrost-provider-keys, key: anthropic}}
```

Rotate a key that was ever committed. For client configs, read the key from the
environment (Aider: `OPENAI_API_KEY`) instead of writing it in the file.

Autofix: no.
"""

from __future__ import annotations

import base64
import binascii
import re

from infergw_lint.domain import bifrost_configs
from infergw_lint.lazyre import lazy
from infergw_lint.rule import Rule, field_path, report

MAX_SCAN = 256 * 1024  # characters of one string that are scanned
MAX_NODES = 200_000  # values looked at per document
MIN_LITERAL = 8  # shorter literals in credential fields are not reported ...
MIN_PASSWORD = 4  # ... except passwords: "admin" is a real (weak) one

# fields that hold identifiers, not credentials, even when they look like a key: a Bifrost
# virtual key's and a provider key's "id" ("Virtual key ID" in transports/config.schema.json,
# e.g. "sk-bf-vk-prod-assistant-us-01" in examples/configs/withvirtualkeys) and the
# provider_configs[].key_ids that name them
ID_FIELDS = frozenset({"id", "key_id", "key_ids", "vk_id", "virtual_key_id", "virtual_key_ids"})

# (kind, pattern); more specific shapes first.  Group 1 is the token.
TOKEN_PATTERNS = [
    ("Anthropic API key", lazy(r"(sk-ant-[A-Za-z0-9_\-]{20,})")),
    ("Langfuse secret key", lazy(r"(sk-lf-[0-9A-Za-z\-]{8,})")),
    ("OpenAI API key", lazy(r"(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,})")),
    ("Bifrost virtual key", lazy(r"(sk-bf-[A-Za-z0-9_\-]{16,})")),
    ("API key", lazy(r"(?<![A-Za-z0-9_-])(sk-[A-Za-z0-9][A-Za-z0-9_\-]{19,})")),
    ("Google API key", lazy(r"(AIza[0-9A-Za-z_\-]{35})")),
    ("AWS access key ID", lazy(r"(?<![A-Z0-9])((?:AKIA|ASIA)[0-9A-Z]{16})(?![A-Z0-9])")),
    ("Groq API key", lazy(r"(gsk_[A-Za-z0-9]{40,})")),
    ("xAI API key", lazy(r"(xai-[A-Za-z0-9]{40,})")),
    ("Hugging Face token", lazy(r"(?<![A-Za-z0-9])(hf_[A-Za-z0-9]{30,})")),
    ("GitHub token", lazy(r"(?<![A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{36,})")),
    ("Slack token", lazy(r"(xox[abprs]-[A-Za-z0-9\-]{10,})")),
    ("private key", lazy(r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----)")),
]
# text that every match of a TOKEN_PATTERNS shape holds: a string without any of them
# (most strings) is not searched for each shape
TOKEN_MARKS = ("sk-", "AIza", "AKIA", "ASIA", "gsk_", "xai-", "hf_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox",
               "-----BEGIN ")
KNOWN_PREFIX = lazy(r"^(sk-ant-|sk-lf-|sk-proj-|sk-svcacct-|sk-admin-|sk-bf-|sk-|AIza|AKIA|ASIA|gsk_|xai-|hf_|gh[pousr]_|xox[abprs]-)")
BEARER = lazy(r"\bBearer\s+([A-Za-z0-9._~+/=\-]{16,})")
BASIC = lazy(r"\bBasic\s+([A-Za-z0-9+/=_\-]{8,})")
# KEY=value (dotenv, shell) or KEY: value (YAML-ish); not ``x := y``, ``x == y``, ``x: T = y``
# (no lazy .*? before \s*$: linear)
ENV_LINE = lazy(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:=(?!=)|:(?![=:]))\s*(\S(?:.*\S)?)\s*$")
# a value that is an expression of a program, not a setting: a call, a statement end, a block
CODE_VALUE = lazy(r"^[A-Za-z_][\w.]*\s*\(|[;{,\\]$|^(?:new|await|func|function|lambda)\b|\+\s*[\"'A-Za-z_]")

PLACEHOLDERS = frozenset(
    {
        "", "dummy", "none", "null", "nil", "empty", "changeme", "change-me", "change_me", "changeit",
        "placeholder", "secret", "password", "token", "apikey", "api-key", "api_key", "xxx", "todo", "tbd",
        "test", "fake", "not-needed", "not-used", "notused", "unused", "no-key", "nokey", "sk-no-key-required",
        "sk-dummy", "sk-fake", "sk-test", "sk-xxx", "ollama", "vllm", "local", "na", "n/a", "-", "redacted",
        "<redacted>", "***", "true", "false",
    }
)
PLACEHOLDER_START = ("dummy", "fake", "sample", "example", "placeholder", "changeme", "change-me", "replace", "your-", "your_")
PLACEHOLDER_WORDS = lazy(
    r"(?i)(your|my)[-_ ]?(api[-_ ]?)?(key|token|secret|password)|example|placeholder|replace[-_ ]?me|insert[-_ ]|redacted"
)
REFERENCE = lazy(r"^(env\.[A-Za-z_][A-Za-z0-9_]*|vault\.\S+|\$\{.*\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\})$", re.S)

SENSITIVE_FIELDS = frozenset(
    {
        "api_key", "apikey", "openai_api_key", "anthropic_api_key", "api_token", "password", "passwd", "secret",
        "client_secret", "secret_key", "secret_access_key", "token", "auth_token", "access_token", "bearer_token",
        "refresh_token", "session_token", "encryption_key", "hmac_key", "admin_password", "authorization",
        "x_api_key", "private_key", "credentials_json", "auth_credentials",
    }
)
SENSITIVE_SUFFIXES = ("_api_key", "apikey", "_password", "password", "passwd", "_secret", "clientsecret",
                      "_token", "accesstoken", "authtoken", "secret_key", "secretkey", "private_key", "privatekey")
NOT_SENSITIVE_PREFIXES = ("existing",)
NOT_SENSITIVE_SUFFIXES = ("_name", "name", "_ref", "ref", "_file", "file", "_path", "path", "_env", "_key_ref")


def is_reference(value: str) -> bool:
    return bool(REFERENCE.match(value.strip()))


def is_placeholder(value: str) -> bool:
    v = value.strip()
    low = v.lower()
    if low in PLACEHOLDERS or low.startswith(PLACEHOLDER_START):
        return True
    if ("<" in v and ">" in v) or "..." in v or "\u2026" in v:
        return True
    if PLACEHOLDER_WORDS.search(v):
        return True
    body = KNOWN_PREFIX.sub("", v)
    if len(set(body.lower())) <= 3 or "xxxx" in body.lower() or "0000000" in body:
        return True
    return False


def mask(token: str) -> str:
    """``sk-ant-api03-...5gA`` -> ``sk-ant-…5gA``: the known prefix and the last 3 characters."""
    m = KNOWN_PREFIX.match(token)
    prefix = m.group(1) if m else ""
    if len(token) - len(prefix) < 12:
        return prefix + "…"
    return f"{prefix}…{token[-3:]}"


_NORMED: dict = {}  # field name -> _norm_field: a few dozen names recur in every document


def _norm_field(name) -> str:
    if type(name) is str:
        n = _NORMED.get(name)
        if n is None:
            if len(_NORMED) >= 4096:
                _NORMED.clear()
            n = _NORMED[name] = name.strip().lower().replace("-", "_")
        return n
    return str(name).strip().lower().replace("-", "_")


def sensitive_field(name, path: tuple = ()) -> bool:
    """Does a mapping key name a credential?  ``value`` counts only as a Bifrost key's value."""
    n = _norm_field(name)
    if n == "value":
        return len(path) >= 3 and path[-3] in ("keys", "virtual_keys")
    if n.startswith(NOT_SENSITIVE_PREFIXES) or n.endswith(NOT_SENSITIVE_SUFFIXES):
        return False
    return n in SENSITIVE_FIELDS or n.endswith(SENSITIVE_SUFFIXES)


def _basic(token: str):
    """(kind, masked) for a Basic credential that decodes to user:password, else None."""
    raw = token.strip()
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not password or is_placeholder(password) or is_placeholder(user + password):
        return None
    if user.startswith("pk-lf-") or password.startswith("sk-lf-"):
        return "Langfuse Basic credential", "Basic …"
    return "Basic credential", "Basic …"


def _password_field(field) -> bool:
    n = _norm_field(field)
    return n in ("password", "passwd", "admin_password") or n.endswith(("_password", "_passwd"))


def _may_hold_token(text: str) -> bool:
    """Could a TOKEN_PATTERNS shape match somewhere in ``text``? (False: surely not)"""
    for mark in TOKEN_MARKS:
        if mark in text:
            return True
    return False


def find_secret(value: str, field=None, path: tuple = ()):
    """(kind, masked) when ``value`` is a literal credential, else None."""
    if not isinstance(value, str):
        return None
    if len(value) < MIN_LITERAL and not (field is not None and len(value) >= MIN_PASSWORD and _password_field(field)):
        return None
    if field is not None and _norm_field(field) in ID_FIELDS:
        return None
    text = value if len(value) <= MAX_SCAN else value[:MAX_SCAN]
    if is_reference(text):
        return None
    for kind, pattern in TOKEN_PATTERNS if _may_hold_token(text) else ():
        for m in pattern.finditer(text):
            token = m.group(1)
            if kind == "private key":
                return kind, "PEM private key"
            if not is_placeholder(token):
                return kind, mask(token)
    m = BASIC.search(text) if "Basic" in text else None  # (most strings hold neither word)
    if m:
        found = _basic(m.group(1))
        if found:
            return found
    m = BEARER.search(text) if "Bearer" in text else None
    if m and not is_placeholder(m.group(1)) and not is_reference(m.group(1)):
        return "bearer token", "Bearer " + mask(m.group(1))
    if field is not None and sensitive_field(field, path):
        literal = text.strip()
        spaced = any(c.isspace() for c in literal)
        core = literal
        if spaced and _norm_field(field) == "authorization":  # "Scheme credential"
            core = literal.split(None, 1)[1]
            spaced = any(c.isspace() for c in core)
        if (
            (len(core) >= MIN_LITERAL or (len(core) >= MIN_PASSWORD and _password_field(field)))
            and not core.isdigit()
            and not spaced
            and not is_placeholder(core)
            and not is_reference(core)
        ):
            return f"literal `{field}`", f"a {len(literal)}-character value"
    return None


_FOUND: dict = {}  # (value, field, its type, a Bifrost key's value?) -> find_secret's answer
_FOUND_MAX = 20_000
_FOUND_LONGEST = 256  # characters of a value whose answer is kept (at most ~5 MB kept)


def _find(value: str, field, path: tuple):
    """``find_secret(value, field, path)``, kept by what it reads: the same strings (model
    names, provider names, env.VAR references) recur in every copy of a config.  Of
    ``path`` it reads only whether a ``value`` field is a Bifrost key's value."""
    if len(value) > _FOUND_LONGEST:
        return find_secret(value, field, path)
    key = (value, field, type(field), len(path) >= 3 and path[-3] in ("keys", "virtual_keys"))
    try:
        return _FOUND[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable field name cannot be one (never from parsed data)
        return find_secret(value, field, path)
    if len(_FOUND) >= _FOUND_MAX:
        _FOUND.clear()
    found = _FOUND[key] = find_secret(value, field, path)
    return found


def walk_strings(data, base: tuple = ()):
    """(path, parent key, string) for every string under ``data``; shared (aliased)
    containers are visited once and the walk stops after MAX_NODES values."""
    seen: set = set()
    stack = [(base, None, data)]
    budget = MAX_NODES
    while stack:
        path, key, node = stack.pop()
        budget -= 1
        if budget < 0:
            return
        if isinstance(node, str):
            yield path, key, node
        elif isinstance(node, dict):
            if id(node) in seen:
                continue
            seen.add(id(node))
            for k, v in reversed(list(node.items())):
                stack.append((path + (k,), k, v))
        elif isinstance(node, list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            for i in range(len(node) - 1, -1, -1):
                stack.append((path + (i,), key, node[i]))


def _env_lines(text: str):
    """(line number, KEY, value, start, end) of the ``KEY=value`` lines of env-style text,
    with the value's columns in its line (quotes left out); lines of source code
    (``x := f()``, ``token = get();``) are not settings (bounded)."""
    for n, line in enumerate(text[:MAX_SCAN].split("\n")):
        if n > 5000:
            return
        m = ENV_LINE.match(line)
        if not m:
            continue
        value, start = m.group(3), m.start(3)
        if CODE_VALUE.search(value) and not is_reference(value):
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value, start = value[1:-1], start + 1
        yield n, m.group(2), value, start, start + len(value)


def _token_lines(text: str):
    """(line number, line) of a multi-line string, for shapes found anywhere in a line."""
    for n, line in enumerate(text[:MAX_SCAN].split("\n")):
        if n > 5000:
            return
        yield n, line


class InlineSecret(Rule):
    code = "IGW207"
    name = "inline-secret"
    severity = "error"
    flavors = ("k8s", "bifrost", "continue", "aider", "cline")
    k8s_kinds = ("ConfigMap",)  # of the k8s documents, it reads ConfigMaps only
    tags = ("security", "secrets")
    security_severity = "8.5"

    def check(self, doc, ctx):
        # the ConfigMap generator itself, not one that delegates to it: made for every ConfigMap
        if doc.flavor == "k8s":
            return self._configmap(doc, ctx) if doc.kind == "ConfigMap" else ()
        return self._file(doc)

    def _file(self, doc):
        """The findings of a Bifrost or client config file."""
        bases = [cfg.base for cfg in bifrost_configs(doc)]
        where = "this file"
        for path, key, value in walk_strings(doc.data):
            found = _find(value, key, path)
            if found:
                yield report(path, self._message(found, where, doc, path, bases), help=self._fix(doc, path, bases))

    def _configmap(self, doc, ctx=None):
        data = doc.get("data")
        if not isinstance(data, dict):
            return
        index = getattr(ctx, "index", None)
        memo = index.memo("igw207-embedded", dict) if index is not None else {}
        bases = where = None  # made for the first finding (most ConfigMaps have none)
        for dkey, value in data.items():
            base = ("data", dkey)
            emb = doc.embedded.get(base)
            if emb is not None:
                # the same text under the same key (a config copied per tenant) holds the same
                # secrets at the same paths: walked once per run
                memo_key = (dkey, value) if type(value) is str else None
                got = memo.get(memo_key) if memo_key is not None else None
                if got is None:
                    got = [
                        (path, found) for path, key, sval in walk_strings(emb.data, base)
                        if (found := _find(sval, key, path))
                    ]
                    if memo_key is not None:
                        memo[memo_key] = got
                for path, found in got:
                    if where is None:
                        where, bases = self._where_bases(doc)
                    yield report(path, self._message(found, where, doc, path, bases), help=self._fix(doc, path, bases))
                continue
            if not isinstance(value, str):
                continue
            if "\n" not in value.rstrip("\n"):
                found = _find(value, dkey, base)
                if found:
                    if where is None:
                        where, bases = self._where_bases(doc)
                    yield report(base, self._message(found, where, doc, base, bases), help=self._fix(doc, base, bases))
                continue
            # a block of lines: each KEY=value setting, or a token anywhere in a line, is
            # reported on its own line and columns
            settings = {n: (k, v, a, b) for n, k, v, a, b in _env_lines(value)}
            for n, line in _token_lines(value):
                if n in settings:
                    k, v, a, b = settings[n]
                    found = _find(v, k, (k,))
                    within = (n, a, b)
                else:
                    found = _find(line, None, ())
                    within = (n, len(line) - len(line.lstrip()), len(line.rstrip()))
                if found:
                    if where is None:
                        where, bases = self._where_bases(doc)
                    shown = base + (k,) if n in settings else base
                    yield report(
                        base, self._message(found, where, doc, shown, bases, line=n + 1), within=within,
                        help=self._fix(doc, shown, bases),
                    )

    @staticmethod
    def _where_bases(doc) -> tuple:
        """(how a ConfigMap's finding names it, the bases of its Bifrost configs)."""
        return f"ConfigMap {doc.namespace or 'default'}/{doc.name}", [cfg.base for cfg in bifrost_configs(doc)]

    @staticmethod
    def _fix(doc, path: tuple, bases) -> str:
        """What to do instead of writing the secret where ``path`` is."""
        if any(path[: len(b)] == b for b in bases):
            return (
                'Put it in a Secret and write "env.VAR" here (Bifrost reads env.VAR from the pod environment, '
                "set from the Secret with secretKeyRef)"
            )
        if doc.flavor == "k8s":
            return "Move it to a Secret and mount or reference that instead"
        return "Read it from the environment or a secret store instead of writing it in the file"

    @classmethod
    def _message(cls, found, where: str, doc, path: tuple, bases, line: int | None = None) -> str:
        kind, masked = found
        if line is None:
            at = f"`{field_path(path)}`"
        elif len(path) > 2:
            at = f"`{path[2]}` on line {line} of `{field_path(path[:2])}`"
        else:
            at = f"line {line} of `{field_path(path)}`"
        reader = "the ConfigMap" if doc.flavor == "k8s" else "the file"
        return (
            f"{kind} in plain text ({masked}): it is at {at} in {where}, and anyone who can read {reader} can use "
            f"it. {cls._fix(doc, path, bases)}"
        )

RULE = InlineSecret()
