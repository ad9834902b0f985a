"""A located problem in an uploaded or imported file: pure, shared by every importer."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a file: the line (or spreadsheet row) to fix, the message, and the file."""

    line: int
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else str(self.line)
        return f"{where}: {self.message}"
