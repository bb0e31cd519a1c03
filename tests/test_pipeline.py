"""The pipeline: the whole flow on a small story, skipped audits, input forms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import smsaudit
from smsaudit.errors import InputError
from smsaudit.pipeline import FINDING_TABLES, demo_data_dir

STORY = Path(__file__).parent / "data" / "story"


@pytest.fixture
def story(story_audit: smsaudit.Audit) -> smsaudit.Audit:
    return story_audit


def ids(result: smsaudit.Audit, table: str) -> list[str]:
    return sorted(result[table]["message_id"].to_list())


def test_blocked_windows(story: smsaudit.Audit) -> None:
    blocked = story["blocked_window_messages"]
    assert dict(zip(blocked["message_id"], blocked["reason"], strict=True)) == {
        "m2": "weekday_outside_hours",
        "m3": "public_holiday",
    }
    assert story["late_campaigns"]["campaign_id"].to_list() == ["C1"]


def test_reconciliation(story: smsaudit.Audit) -> None:
    assert story["suppressions"].select("msisdn", "sender_id", "evidence").rows() == [
        ("+33612345678", "36184", "stop_mo")
    ]
    assert ids(story, "sends_after_suppression") == ["m4", "m5"]
    assert story["consent_updates"].select("msisdn", "program_id", "status").rows() == [
        ("+33612345678", "P1", "OPTED-OUT")
    ]
    assert story["suppressed_not_opted_out"]["finding"].to_list() == ["never_opted_out"]
    assert story["invalid_consent_source"]["consent_source"].to_list() == ["MO_KEYWORD"]
    assert ids(story, "missing_stop_footer") == ["m3"]


def test_wasted_spend_counts_each_message_once(story: smsaudit.Audit) -> None:
    wasted = story["wasted_spend"]
    assert wasted["messages"].sum() == 4  # m2, m3 blocked; m4, m5 after suppression
    assert float(wasted["cost"].sum()) == pytest.approx(0.20)


def test_every_finding_table_has_the_storys_rows(story: smsaudit.Audit) -> None:
    """The story plants something for every finding (and no bad row): each table holds
    exactly that."""
    assert {table: story.count(table) for table in FINDING_TABLES} == {
        "blocked_window_messages": 2,
        "wasted_spend": 4,
        "late_campaigns": 1,
        "suppressions": 1,
        "suppressed_not_opted_out": 1,
        "sends_after_suppression": 2,
        "missing_stop_footer": 1,
        "invalid_consent_source": 1,
        "consent_updates": 1,
        "rejected_rows": 0,
        "row_accounting": len(list(STORY.glob("*.csv"))),
    }
    assert story.row_accounting_balances()


def test_missing_inputs_skip_their_audits(tmp_path: Path) -> None:
    shutil.copy(STORY / "sends.csv", tmp_path / "sends.csv")
    result = smsaudit.audit(tmp_path)
    assert set(result.skipped) == {
        "suppressions",
        "suppression_list",
        "sends_after_suppression",
        "suppressed_not_opted_out",
        "consent_updates",
        "invalid_consent_source",
    }
    assert result.count("consent_updates") == 0
    assert result.count("blocked_window_messages") == 2


def test_explicit_paths_equal_folder(tmp_path: Path) -> None:
    result = smsaudit.audit(
        {"sends": STORY / "sends.csv", "mo": [STORY / "mo.csv"], "consent": STORY / "consent.csv"}
    )
    assert result.count("consent_updates") == 1


def test_profile_changes_the_verdict() -> None:
    result = smsaudit.audit(STORY, profile="fr-af2m-2024")  # Mon-Sat 08-22, holidays blocked
    assert ids(result, "blocked_window_messages") == ["m3"]


def test_unknown_profile_is_an_input_error() -> None:
    with pytest.raises(InputError):
        smsaudit.audit(STORY, profile="no-such-profile")


def test_demo_data_dir_exists() -> None:
    assert any(demo_data_dir().glob("sends*"))


def test_period() -> None:
    result = smsaudit.audit(STORY, period=("2026-05-04", "2026-05-04"))
    assert ids(result, "blocked_window_messages") == ["m2"]  # m3 (1 May) is outside
    with pytest.raises(InputError, match="not a date"):
        smsaudit.audit(STORY, period=("May", None))


def test_latest_safe_start_uses_the_profiles_close(story: smsaudit.Audit) -> None:
    """21:30 under fr-af2m-2026: every safe start is 90 minutes later than under the 20:00
    close of fr-acoustic (same campaigns, same rates)."""
    later = smsaudit.audit(STORY, profile="fr-af2m-2026")

    def starts(audit: smsaudit.Audit) -> dict[str, int]:
        rows = audit.con.execute(
            "SELECT size_class, latest_safe_start FROM latest_safe_start "
            "WHERE latest_safe_start IS NOT NULL"
        ).fetchall()
        return {c: int(t[:2]) * 60 + int(t[3:]) for c, t in rows}

    base, late = starts(story), starts(later)
    assert base and base.keys() == late.keys()
    assert all(late[c] - base[c] == 90 for c in base)
