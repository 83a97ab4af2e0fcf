"""The package version, in a module of its own: pyproject.toml and rhymer.json read it from here, and
modules imported by ``rhymer/__init__`` can import it without a cycle."""

__version__ = "0.2.0.dev0"  # 0.1 is the release the blind readings call v0.1 (their control); this is work since
