"""Errors a user can act on: one line naming the file, and the row and column when known."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) escaped as
    Python writes them, everything else, accents included, as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(Exception):
    """Unusable input or arguments (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file, self.line, self.column = file, line, column
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(printable(f"{where}: {message}" if where else message))
