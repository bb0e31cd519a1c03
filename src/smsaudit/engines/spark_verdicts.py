"""The loader's verdicts that rank rows against each other, as Spark window columns: a
duplicate send (``repeats.duplicate_sends``) and a superseded receipt
(``repeats.superseded_receipts``). DuckDB decides them into a small table beside its work
table; Spark's frames are immutable, so each is a ``select`` computing the verdicts anew."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsaudit.ingest.expressions import clip

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def without_duplicates(work: DataFrame) -> DataFrame:
    """A message_id seen again: the first usable occurrence (file order, line) is kept, the
    later ones rejected (``repeats.duplicate_sends``, as window columns)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    usable = F.col("rej_reason").isNull()
    w = Window.partitionBy("message_id", usable).orderBy("file_ord", "line")
    dup = usable & (F.row_number().over(w) > 1)
    reason = F.concat(
        F.lit("duplicate message_id (first at "),
        F.first("input_file").over(w),
        F.lit(" line "),
        F.first("line").over(w).cast("string"),
        F.lit(")"),
    )
    return work.select(
        *[
            c
            for c in work.columns
            if c not in ("rej_column", "rej_value", "rej_reason", "out_reason")
        ],
        F.when(dup, F.lit("message_id")).otherwise(F.col("rej_column")).alias("rej_column"),
        F.when(dup, F.expr(clip("message_id"))).otherwise(F.col("rej_value")).alias("rej_value"),
        F.when(dup, reason).otherwise(F.col("rej_reason")).alias("rej_reason"),
        F.when(dup, F.lit(None)).otherwise(F.col("out_reason")).alias("out_reason"),
    )


def superseded(work: DataFrame) -> DataFrame:
    """Only the latest report of a message counts (``repeats.superseded_receipts``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    kept = F.col("rej_reason").isNull() & F.col("out_reason").isNull()
    w = Window.partitionBy("message_id", kept).orderBy(
        F.col("done_at").desc_nulls_last(), F.col("file_ord").desc(), F.col("line").desc()
    )
    later = kept & (F.row_number().over(w) > 1)
    return work.withColumn(
        "out_reason",
        F.when(later, F.lit("superseded by a later receipt")).otherwise(F.col("out_reason")),
    )
