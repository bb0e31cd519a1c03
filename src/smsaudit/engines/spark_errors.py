"""Which input a Spark read error is about.

Spark reads a file's pages only when rows are needed, so a corrupt page fails a later step,
with Spark's error class ``FAILED_READ_FILE`` and the file's URI in its message: the error is
turned into the one line the driver's reader gives for the same file (exit 2).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from urllib.parse import quote

from smsaudit.errors import InputError
from smsaudit.ingest.discover import Source


@contextlib.contextmanager
def naming_files(staged: Sequence[Source]) -> Iterator[None]:
    """While inside, a Spark error reading one of ``staged`` names that file."""
    try:
        yield
    except Exception as error:
        text = str(error)
        if "FAILED_READ_FILE" in text:
            for src in staged:
                if any(re.search("/" + re.escape(t) + r"\b", text) for t in _tails(src)):
                    raise InputError(
                        "not a readable Parquet file (Spark: FAILED_READ_FILE)", file=src.name
                    ) from None
        raise


def _tails(src: Source) -> list[str]:
    """How a URI in Spark's message ends for this file: its name; for a dataset's part, its
    path in the dataset, %-encoded as in a URI (``=`` kept), and as written."""
    if src.dataset is None:
        return [src.path.name]
    tail = str(src.path)[len(str(src.dataset)) :].lstrip("/")
    return [quote(tail, safe="/=:@!$&'()*+,;~"), tail]
