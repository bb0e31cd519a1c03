"""Stable codes of the reasons a row is rejected (``rejected_rows.reason_code``).

``reason`` is for people and may carry details (the line of the first duplicate, the
parser's message); ``reason_code`` is for programs and never changes with them. A reason is
coded by how it begins, first match wins; a reason no prefix knows would be ``other``, and a
test keeps every reason the loader writes known.
"""

from __future__ import annotations

from .expressions import literal

REASON_CODES: tuple[tuple[str, str], ...] = (
    ("missing value", "missing_value"),
    ("unreadable timestamp", "unreadable_timestamp"),
    ("unreadable date", "unreadable_date"),
    ("implausible date", "implausible_date"),
    ("UTC offset outside", "offset_out_of_range"),
    ("time zone name instead of an offset", "zone_name_not_offset"),
    ("local time that does not exist", "nonexistent_local_time"),
    ("not a number", "not_a_number"),
    ("not a whole number", "not_a_whole_number"),
    ("negative amount", "negative_amount"),
    ("segments must be at least 1", "segments_below_one"),
    ("invalid phone number", "invalid_phone_number"),
    ("duplicate message_id", "duplicate_message_id"),
    ("unknown category", "unknown_category"),
    ("unknown consent status", "unknown_consent_status"),
    ("unknown short_code_type", "unknown_short_code_type"),
    ("unknown action", "unknown_action"),
    ("unknown price_basis", "unknown_price_basis"),
    ("valid_to before valid_from", "inverted_validity"),
    ("malformed CSV record", "malformed_csv_record"),
    ("malformed JSON record", "malformed_json_record"),
)


def reason_code_sql(reason: str) -> str:
    """SQL giving the code of the reason in column ``reason``."""
    whens = " ".join(
        f"WHEN starts_with({reason}, {literal(prefix)}) THEN {literal(code)}"
        for prefix, code in REASON_CODES
    )
    return f"CASE {whens} ELSE 'other' END"
