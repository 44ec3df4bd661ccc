"""IGW207's secret detection: shapes, placeholders, masking, and bounded work."""

from __future__ import annotations

import importlib
import time

import pytest

from infergw_lint.engine import Options, run
from infergw_lint.rules.igw207_inline_secret import MAX_NODES, find_secret, mask, walk_strings

ANTHROPIC = "sk-ant-api03-Zq8xT4mN2vR7kL1pW9sY3bH6cJ0dF5gA"


@pytest.mark.parametrize(
    "value,field,kind",
    [
        (ANTHROPIC, None, "Anthropic API key"),
        ("sk-proj-Tq3vX9mB2nL7kP4wR8sY1zC6dF0gH5jA", None, "OpenAI API key"),
        ("sk-lf-5e6f7a8b-1c2d-4e3f-9a8b-7c6d5e4f3a2b", None, "Langfuse secret key"),
        ("AKIAIOSFODNN7EXAMPL3", None, "AWS access key ID"),
        ("Bearer abcdefghijklmnop0123", None, "bearer token"),
        ("Basic YWRtaW46aHVudGVyMmh1bnRlcjI=", None, "Basic credential"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", None, "private key"),
        ("hunter2hunter2", "password", "literal `password`"),
        ("Zx9qLm8vKt3w", "apiKey", "literal `apiKey`"),
        ("Zx9qLm8vKt3w", "openai-api-key", "literal `openai-api-key`"),
        ("OPENAI_API_KEY=" + ANTHROPIC, None, "Anthropic API key"),
    ],
)
def test_secrets_are_found(value, field, kind):
    found = find_secret(value, field)
    assert found is not None and found[0] == kind
    assert value not in found[1]


@pytest.mark.parametrize(
    "value,field",
    [
        ("dummy", "value"), ("EMPTY", "api_key"), ("env.OPENAI_API_KEY", "value"), ("${OPENAI_API_KEY}", "apiKey"),
        ("${{ secrets.OPENAI_API_KEY }}", "apiKey"), ("$OPENAI_API_KEY", "token"), ("{{ .Values.key }}", "token"),
        ("vault.bifrost/openai#key", "value"), ("sk-no-key-required", "api_key"), ("changeme", "password"),
        ("<your-api-key>", "api_key"), ("sk-...", "api_key"), ("xxxxxxxxxxxxxxxx", "token"),
        ("sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx", None), ("Basic <BASE64(pk:sk)>", "Authorization"),
        ("Bearer $TOKEN", "Authorization"), ("langfuse-otel-auth", "existingSecret"),
        ("langfuse-otel-auth", "secret_name"), ("12345678901", "token"), ("a description of the token", "token"),
        ("risk-assessment-report-2024-final-version", None),
    ],
)
def test_references_and_placeholders_are_not_secrets(value, field):
    assert find_secret(value, field) is None


def test_bifrost_value_field_counts_only_under_keys():
    assert find_secret("Zx9qLm8vKt3w", "value", ("providers", "openai", "keys", 0, "value"))
    assert find_secret("Zx9qLm8vKt3w", "value", ("spec", "env", 0, "value")) is None


def test_mask_keeps_prefix_and_last_three():
    assert mask(ANTHROPIC) == "sk-ant-…5gA"
    assert mask("sk-short12") == "sk-…"


def test_walk_visits_shared_containers_once_and_is_bounded():
    shared = {"api_key": ANTHROPIC}
    data = {"a": shared, "b": shared, "c": [shared, shared]}
    assert [p for p, _, _ in walk_strings(data)] == [("a", "api_key")]
    cyclic: list = []
    cyclic.append(cyclic)
    assert list(walk_strings({"x": cyclic})) == []
    wide = {f"k{i}": "v" for i in range(MAX_NODES * 2)}
    assert sum(1 for _ in walk_strings(wide)) < MAX_NODES


def test_huge_strings_are_bounded(tmp_path):
    blob = "a" * (8 * 1024 * 1024)
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n"
        f"  blob: {blob}\n  tail: x{ANTHROPIC}\n",
        encoding="utf-8",
    )
    start = time.perf_counter()
    result = run([str(tmp_path)], Options(select=["IGW207"]))
    assert time.perf_counter() - start < 5
    assert not result.internal_errors
    assert [f.field for f in result.findings] == [("data", "tail")]


@pytest.mark.parametrize(
    "token",
    [
        ANTHROPIC, "sk-lf-5e6f7a8b-1c2d", "sk-proj-Tq3vX9mB2nL7kP4wR8sY1zC6dF0gH5jA", "sk-bf-Tq3vX9mB2nL7kP4w",
        "sk-Tq3vX9mB2nL7kP4wR8sY1z", "AIza" + "Tq3vX9mB2nL7kP4wR8sY1zC6dF0gH5jAbcd", "ASIAIOSFODNN7EXAMPL3",
        "gsk_" + "a1" * 20, "xai-" + "b2" * 20, "hf_" + "c3" * 15, "ghp_" + "d4" * 18, "ghs_" + "e5" * 18,
        "xoxb-1234567890-abc", "-----BEGIN OPENSSH PRIVATE KEY-----",
    ],
)
def test_every_token_shape_holds_one_of_the_marks(token):
    """A string without any of TOKEN_MARKS is not searched for the token shapes: each
    shape's match must hold one (a new shape needs its mark)."""
    from infergw_lint.rules.igw207_inline_secret import TOKEN_PATTERNS, _may_hold_token

    text = f"key: {token} end"
    matched = [kind for kind, pattern in TOKEN_PATTERNS if pattern.search(text)]
    assert matched, token
    for kind, pattern in TOKEN_PATTERNS:
        m = pattern.search(text)
        if m is not None:
            assert _may_hold_token(m.group(1)), (kind, m.group(1))


def test_find_secret_with_cached_field_names_matches_plain_normalisation():
    """_norm_field keeps the names it has seen, and find_secret checks the length before
    the ID fields: the same verdict as the plain normalisation checked first, for every
    string of the sample manifests, the fixtures and tests/realworld (and odd field names)."""
    import os

    from infergw_lint.engine import Options, load_index

    mod = importlib.import_module("infergw_lint.rules.igw207_inline_secret")

    def plain(name):
        return str(name).strip().lower().replace("-", "_")

    def reference(value, field=None, path=()):
        if isinstance(value, str) and field is not None and plain(field) in mod.ID_FIELDS:
            return None
        return mod.find_secret(value, field, path)

    class Named(str):
        pass

    for name in ("API-Key", " Token ", "key_id", "ID", Named("Pass-Word"), 1, True, 1.5, None, ("a",), "Value"):
        assert mod._norm_field(name) == plain(name)
        assert mod._norm_field(name) == plain(name)  # from the cache
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    strings = 0
    for tree in ("sample_manifests", "tests/fixtures", "tests/realworld"):
        for doc in load_index([os.path.join(root, tree)], Options()).ctx.index.documents:
            datas = [((), doc.data)] + [(path, emb.data) for path, emb in doc.embedded.items()]
            for base, data in datas:
                for path, key, value in mod.walk_strings(data, base):
                    strings += 1
                    assert mod.find_secret(value, key, path) == reference(value, key, path), path
                    for field in ("key_id", "password", "id", "token"):
                        assert mod.find_secret(value, field, path) == reference(value, field, path)
    assert strings > 1000
