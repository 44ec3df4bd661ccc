"""infergw-lint: policy-as-code linter for AI inference gateway manifests."""

__version__ = "0.1.0"


def read_data(relative: str) -> str:
    """The text of a data file shipped in the package (``schemas/...``): read from beside
    this file, without importing ``importlib.resources`` (with its tempfile, shutil,
    compression modules: ~5 ms of a one-file run); through it when the package is not a
    directory (a zip)."""
    import os

    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), relative), encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        from importlib import resources

        return resources.files("infergw_lint").joinpath(relative).read_text("utf-8")
