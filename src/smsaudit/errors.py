"""smsaudit's errors: one tree, each class with its exit code and its one-line message.

``SmsauditError`` is the base; the command line maps any of them, at one place
(``cli.main``), to ``smsaudit: <label>: <message>`` and the class's exit code. Anything
else is an internal error (exit 1); ``--debug`` shows its traceback.

- ``InputError`` (2): unusable input or arguments, naming the file, row and column;
- ``CheckFailed`` (3): ``smsaudit check --fail-on`` found what it was told to fail on.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) escaped as
    Python writes them, everything else, accents included, as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message, printable: one line for the terminal. When
    py4j wraps a JVM exception (Spark), the JVM's own message: py4j's first line ("An error
    occurred while calling o39.sql.") says nothing."""
    java = getattr(error, "java_exception", None)
    text = str(java.toString()) if java is not None else str(error)
    return printable((text.strip().splitlines() or [type(error).__name__])[0])


class SmsauditError(Exception):
    """Base of the errors smsaudit raises on purpose; never a bug."""

    exit_code = 1
    label = "error"


class InputError(SmsauditError):
    """Unusable input or arguments (exit code 2)."""

    exit_code = 2

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


class CheckFailed(SmsauditError):
    """``smsaudit check --fail-on``: the plan would waste messages (exit code 3)."""

    exit_code = 3
    label = "check failed"
