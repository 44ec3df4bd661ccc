"""The expectation parser lives in the package (``infergw-lint test`` uses it too)."""

from infergw_lint.expect import fixture_files, read_expectations  # noqa: F401
