from collections.abc import Iterable, Iterator
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


class RowErrors:
    """The row errors of one import: every one counted (and its line), the first ``limit``
    kept to be listed. A file of a million bad rows keeps a thousand errors in memory and in
    the errors table, never a million; ``full`` tells an all-or-nothing import to stop reading
    (the file is refused whatever follows)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[RowError] = []
        self.total = 0
        self._lines: set[int] = set()

    def append(self, error: RowError) -> None:
        self.total += 1
        self._lines.add(error.line)
        if len(self.kept) < self.limit:
            self.kept.append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.append(error)

    @property
    def full(self) -> bool:
        return self.total >= self.limit

    @property
    def lines(self) -> int:
        """How many lines were rejected."""
        return len(self._lines)

    def sort(self) -> None:
        self.kept.sort()

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[RowError]:
        return iter(self.kept)

    def __len__(self) -> int:
        return len(self.kept)
