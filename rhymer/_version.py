"""The package version, in a module of its own: pyproject.toml and rhymer.json read it from here, and
modules imported by ``rhymer/__init__`` can import it without a cycle."""

__version__ = "0.1.0"
