"""The version, in one place: the package metadata is built from it (see pyproject.toml)."""

__version__ = "0.1.0"
USER_AGENT = f"pinrules/{__version__} (+https://github.com/pinrules/pinrules)"
