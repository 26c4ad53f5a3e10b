"""Expected failures: each carries one clear line for the user (the CLI prints it, exit 1)."""

from __future__ import annotations


class DeskAnnotatorError(Exception):
    """Base for every failure a user can cause and fix; never shown with a traceback."""


class ProjectOpenError(DeskAnnotatorError):
    """A project file that is corrupt, foreign, of a newer schema, locked or unreadable."""


class ImportRefused(DeskAnnotatorError):
    """One input file that cannot be imported (binary, empty, too large, unsupported...)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class FormatError(DeskAnnotatorError):
    """A malformed exchange file (JSONL, codebook, qdpx...); the message lists every problem."""


class OperationError(DeskAnnotatorError):
    """An operation that is not allowed (offsets outside the text, a label still in use...)."""
