"""desk-annotator: stance and theme coding of articles, with agreement statistics."""


def _version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is written);
    in a checkout that was never installed, read it from pyproject.toml itself."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("desk-annotator")
    except PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _version()
