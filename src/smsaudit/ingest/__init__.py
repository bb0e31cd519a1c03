"""Reading inputs: the canonical files of the contract and vendor exports as platforms write them.

``formats`` (format files as data), ``detect`` (which format a file is, by its content) and
``vendor`` (a vendor record -> canonical columns, as SQL); ``smsaudit.load`` stages, checks
and accounts for every row.
"""

from .formats import Format, get_format, load_format, shipped_formats

__all__ = ["Format", "get_format", "load_format", "shipped_formats"]
