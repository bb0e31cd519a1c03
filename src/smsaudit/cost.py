"""Segments, prices and the assumptions behind every money figure.

The heavy lifting is SQL (``sql/message_costs.sql``, ``sql/wasted_spend.sql``,
``sql/finance_summary.sql``, ``sql/latest_safe_start.sql``). This module holds the
pure-Python reference for segment counting, which the SQL must agree with, and the
plain-language assumptions written next to the finance figures.
"""

from __future__ import annotations

import duckdb

from .sqlfiles import relation, table_exists

# GSM 03.38 / 3GPP TS 23.038 default alphabet (0x1B, the escape, is not a character).
# 0x09 is taken as capital Ç, as printed in the standard (3GPP TS 23.038 §6.2.1), although the
# Unicode mapping file reads it as small ç: aggregators differ, the standard's reading is
# the conservative one (a message with ç is counted, and billed, as UCS-2).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + code, so it takes two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units

BILLING_TZ = "Europe/Paris"  # clock of the billing date and of the finance month
DEFAULT_CLOSE_MINUTES = 20 * 60  # fr-acoustic weekday close, 20:00 local

PRICE_PRECEDENCE = (
    "price per segment from the delivery receipt, else the rate-card row of the send's "
    "aggregator valid on the billing date (the latest valid_from wins), else the send row; "
    "the currency comes with the price"
)
SEGMENT_PRECEDENCE = (
    "segments from the receipt, else the send row, else counted from the body "
    "(GSM-7 160/153, UCS-2 70/67), else 1"
)


def is_gsm7(body: str) -> bool:
    """Whether ``body`` can be sent in the GSM-7 default alphabet plus its extension table."""
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body)


def _parts(widths: list[int], single: int, part: int) -> int:
    """Parts needed for characters of the given widths; a character never straddles two parts."""
    if sum(widths) <= single:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > part:
            parts, used = parts + 1, width
        else:
            used += width
    return parts


def count_segments(body: str) -> int:
    """Number of SMS parts needed to send ``body``.

    GSM-7 when every character is in the default alphabet or its extension table (which
    takes two septets): 160 septets in one part, 153 per part when split. Otherwise UCS-2:
    70 UTF-16 code units in one part, 67 per part; a character outside the BMP (emoji)
    takes two units. When splitting, an escape sequence or a surrogate pair is never cut
    between two parts: it moves whole to the next part. An empty body is one part.
    """
    if is_gsm7(body):
        widths = [2 if c in GSM7_EXTENSION else 1 for c in body]
        return _parts(widths, GSM7_SINGLE, GSM7_PART)
    widths = [2 if ord(c) > 0xFFFF else 1 for c in body]
    return _parts(widths, UCS2_SINGLE, UCS2_PART)


def finance_assumptions(con: duckdb.DuckDBPyConnection, profile_name: str) -> list[tuple[str, str]]:
    """The assumptions written beside the finance figures, as (topic, statement) pairs.

    Reads ``price_totals`` (or ``message_costs``) and, when present, ``wasted_spend``; the
    counts it quotes are those of the tables, so the text matches the figures.
    """
    out: list[tuple[str, str]] = [
        ("profile", f"blocked windows judged against rule profile {profile_name}"),
        ("segments", SEGMENT_PRECEDENCE),
        ("price precedence", PRICE_PRECEDENCE),
        (
            "billing date",
            f"the date of sent_at in {BILLING_TZ} selects the rate-card row; "
            f"months are YYYY-MM of sent_at in {BILLING_TZ}",
        ),
    ]
    if table_exists(con, "price_totals") or table_exists(con, "message_costs"):
        row = con.execute(
            f"""
            SELECT coalesce(sum(messages), 0),
                   coalesce(sum(messages) FILTER (WHERE price_source IS NULL), 0),
                   coalesce(string_agg(DISTINCT currency, ', ' ORDER BY currency), '')
            FROM {relation(con, "price_totals")}
            """
        ).fetchall()[0]
        total, unpriced, currencies = row if row else (0, 0, "")
        out.append(
            (
                "unpriced messages",
                f"{unpriced} of {total} messages have no known price: their cost is left "
                "unknown (not zero) and is missing from every total",
            )
        )
        out.append(
            (
                "currency",
                f"amounts are summed per currency and never converted ({currencies or 'none'})",
            )
        )
    else:
        out.append(("unpriced messages", "costs were not computed"))
    if table_exists(con, "wasted_spend"):
        row = con.execute(
            "SELECT coalesce(sum(unpriced_messages), 0) FROM wasted_spend"
        ).fetchall()[0]
        wasted_unpriced = row[0] if row else 0
        out.append(
            (
                "wasted spend",
                "a marketing message in a blocked window of severity 'violation' is wasted "
                "('warning' windows are tolerated), and so is any send to a pair after its "
                f"suppression; {wasted_unpriced} wasted messages have no price, so the wasted "
                "figure is a lower bound when this is not zero",
            )
        )
        out.append(
            (
                "dedup rule",
                "a message both in a blocked window and after a suppression is counted once, "
                "under its blocked-window reason",
            )
        )
    return out
