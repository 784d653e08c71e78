from dataclasses import dataclass


class ImportLocked(Exception):
    """Another import of the same kind is queued or running."""


class FileRefused(Exception):
    """The file as a whole cannot be imported (empty, not a CSV, a required column missing)."""

    def __init__(self, reason: str, *, line: int = 1, column: str = "-") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    reason: str

    def format(self, file_name: str) -> str:
        return f"{file_name}:{self.line}: {self.column}: {self.reason}"
