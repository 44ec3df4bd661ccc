"""The language server (``infergw-lint server``): diagnostics, quick fixes and hover in
editors, over the Language Server Protocol.  It needs the ``lsp`` extra (pygls and
lsprotocol); the rest of the package imports and lints without it."""

from __future__ import annotations

import sys

INSTALL_HINT = (
    "infergw-lint server needs the language server libraries (pygls, lsprotocol): "
    "pip install 'infergw-lint[lsp]'"
)


def available() -> bool:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    """Serve over stdio; exit code 2 with an install hint when the extra is missing."""
    if not available():
        sys.stderr.write(f"infergw-lint: {INSTALL_HINT}\n")
        return 2
    from .server import serve

    return serve()
