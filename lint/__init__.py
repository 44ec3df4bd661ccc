"""infergw-lint: policy-as-code linter for AI inference gateway manifests."""

__version__ = "0.1.0"
