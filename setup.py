"""The one thing pyproject.toml cannot say: the loader's optional C fast path.

``lint/_fastyaml.c`` reads libyaml's events straight into data for plain manifests
(lint/loader.py ``_fast_documents``).  It is optional: where libyaml's headers or a C
compiler are missing the build goes on without it, and the loader composes every file
with PyYAML's C loader as before.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "infergw_lint._fastyaml",
            sources=["lint/_fastyaml.c"],
            optional=True,
        )
    ]
)
