"""Render a Helm chart with the helm-python-sdk package (the ``helm`` extra) when no
``helm`` binary is on PATH.

helm-python-sdk binds Helm's own Go engine (``libhelm_c``) with ctypes and renders a chart
offline: ``Chart.load(dir).render(values, name=..., namespace=...)`` returns each
template's output by its path (``gw/templates/gateway.yaml``).  lint/render.py runs this
module in a child process (``python -I``), under the same time limit and process handling
as ``helm template``, so a template that loops forever or eats memory is killed and never
takes the linter down with it.  The child prints what ``helm template`` prints: each
template's output after a ``# Source: CHART/templates/FILE`` comment, which lint/render.py
maps findings back through.  Values files are parsed by Helm's own parser and merged in
order, later files winning key by key, as ``helm template -f a.yaml -f b.yaml`` does; the
chart's ``values.yaml`` defaults are coalesced by the engine.  No cluster and no network:
``lookup`` returns nothing, and only the chart directory (and its ``charts/``) is read.
"""

from __future__ import annotations

import json
import os
import sys

# the process boundary: lint/render.py passes one JSON argument and reads stdout/stderr
BOOT = (
    "import sys, json; a = json.loads(sys.argv[1]); "
    "sys.path += [p for p in a.pop('path') if p not in sys.path]; "
    "from infergw_lint.helm_sdk import main; sys.exit(main(a))"
)


def available() -> bool:
    """helm-python-sdk is installed (found without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec("helm_python") is not None
    except (ImportError, ValueError):
        return False


def command(chart: str, values: list[str], name: str, namespace: str) -> list[str]:
    """The child process's argv.  ``-I``: no current directory or PYTHON* variables on the
    child's import path, so nothing in the linted tree can be imported; the parent's own
    absolute import path is appended so the child finds infergw_lint and helm_python where
    the parent found them."""
    cwd = os.getcwd()
    path = [p for p in sys.path if p and os.path.isabs(p) and os.path.realpath(p) != os.path.realpath(cwd)]
    args = {
        "chart": os.path.abspath(chart),
        "values": [os.path.abspath(v) for v in values],
        "name": name,
        "namespace": namespace or "default",
        "path": path,
    }
    return [sys.executable, "-I", "-c", BOOT, json.dumps(args)]


def merge(base: dict, override: dict) -> dict:
    """Helm's merge of values files: maps merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def rendered_text(manifests: dict) -> str:
    """``helm template``'s layout: each template's non-empty output after ``# Source:``;
    NOTES.txt is not a manifest and is left out, as helm template does."""
    parts = []
    for path in sorted(manifests):
        text = manifests[path]
        if not isinstance(text, str) or not text.strip():
            continue
        if os.path.basename(path) == "NOTES.txt" or os.path.basename(path).startswith("_"):
            continue
        parts.append(f"---\n# Source: {path}\n{text.strip(chr(10))}\n")
    return "".join(parts)


def main(args: dict) -> int:
    try:
        import helm_python as helm
    except Exception as exc:  # noqa: BLE001 - the library could not load (platform, missing .so)
        sys.stderr.write(f"Error: helm-python-sdk cannot be loaded: {exc}\n")
        return 1
    try:
        helm.disable_logging()
    except Exception:  # noqa: BLE001 - older releases: keep going
        pass
    try:
        values: dict = {}
        for path in args["values"]:
            with open(path, encoding="utf-8", errors="replace") as fh:
                loaded = helm.values_from_yaml(fh.read()) or {}
            if not isinstance(loaded, dict):
                sys.stderr.write(f"Error: values file {path} is not a mapping\n")
                return 1
            values = merge(values, loaded)
        with helm.Chart.load(args["chart"]) as chart:
            manifests = chart.render(
                values=values, name=args["name"], namespace=args["namespace"], revision=1, is_install=True,
            )
    except helm.HelmError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except Exception as exc:  # noqa: BLE001 - a bug in the binding: a message, not a traceback
        sys.stderr.write(f"Error: internal error in helm-python-sdk: {type(exc).__name__}: {exc}\n")
        return 1
    sys.stdout.buffer.write(rendered_text(manifests).encode("utf-8"))
    sys.stdout.flush()
    return 0
