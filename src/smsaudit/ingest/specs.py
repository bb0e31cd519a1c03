"""The canonical input columns: how each is read (its type) and whether it is required.

CONTRACT §2, column for column, plus the columns vendor formats fill (``price_basis``,
``optout``, ``action``, ``optout_flag``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import schema

Kind = Literal["sends", "receipts", "suppressions", "mo", "consent", "programs", "rate_card"]
KINDS: tuple[str, ...] = tuple(schema.KIND_TABLE)

FieldType = Literal["text", "body", "ts", "date", "money", "count", "msisdn", "upper", "lower"]


@dataclass(frozen=True)
class Field:
    """One canonical input column: how to read it and whether it is required."""

    name: str
    type: FieldType = "text"
    required: bool = False


def _fields(spec: str) -> tuple[Field, ...]:
    """``"name:type!"`` items, ``!`` marking a required column (keeps the specs one line each)."""
    out = []
    for item in spec.split():
        name, _, rest = item.partition(":")
        required = rest.endswith("!") or name.endswith("!")
        out.append(Field(name.rstrip("!"), (rest.rstrip("!") or "text"), required))  # type: ignore[arg-type]
    return tuple(out)


# CONTRACT §2, column for column.
SPECS: dict[str, tuple[Field, ...]] = {
    "sends": _fields(
        "message_id! sent_at:ts! msisdn:msisdn! sender_id! program_id campaign_id "
        "aggregator:lower category:lower body:body segments:count price:money currency:upper "
        "price_basis:lower"
    ),
    "receipts": _fields(
        "message_id! status:upper! status_group:upper done_at:ts error_code error_text:body "
        "segments:count price:money currency:upper price_basis:lower optout:lower"
    ),
    "suppressions": _fields(
        "msisdn:msisdn! sender_id! suppressed_at:ts! aggregator:lower keyword:body action:upper"
    ),
    "mo": _fields("msisdn:msisdn! received_at:ts! text:body! short_code optout_flag:upper"),
    "consent": _fields(
        "msisdn:msisdn! program_id! status:upper! status_date:ts! consent_source evidence_ref"
    ),
    "programs": _fields("program_id! sender_id! short_code_type:lower aggregator:lower"),
    "rate_card": _fields(
        "aggregator:lower! price_per_segment:money! currency:upper! valid_from:date valid_to:date"
    ),
}

CONSENT_STATUS = {
    "OPT-IN": "OPTED-IN",
    "OPTED-IN": "OPTED-IN",
    "OPT_IN": "OPTED-IN",
    "OPTED_IN": "OPTED-IN",
    "OPT-OUT": "OPTED-OUT",
    "OPTED-OUT": "OPTED-OUT",
    "OPT_OUT": "OPTED-OUT",
    "OPTED_OUT": "OPTED-OUT",
}
