"""Reading inputs: the canonical files of the contract and vendor exports as platforms write them.

The stages, in order: ``discover`` (which files, of which kind or format: by name, else by
content with ``detect`` and the format files of ``formats``), ``readers`` (each file staged
as typed canonical columns beside their raw text; ``sniff`` for encodings and separators,
``vendor`` for a vendor record's columns, ``expressions`` for the value parsers), then
``verdicts`` (each row used, rejected or out of scope, copied once into its canonical table)
and ``accounting`` (``row_accounting``). ``load.load`` runs them; ``specs`` holds the
canonical input columns.
"""

from .formats import Format, get_format, load_format, shipped_formats

__all__ = ["Format", "get_format", "load_format", "shipped_formats"]
