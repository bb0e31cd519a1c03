"""What a correct audit must find, derived from the records as generated (planted.json)."""

from __future__ import annotations

from datetime import UTC, datetime

from .rules import (
    KEYWORD_SOURCES,
    SEED,
    has_footer,
    is_stop,
)
from .world import (
    PROGRAM_LIST,
    PROGRAMS_BY_ID,
    ConsentRow,
    World,
    suppression_evidence,
    window_reason,
)
from .writers import (
    CONSENT,
    RECEIPTS_MG,
    Writer,
)

# -------------------------------------------------------------------------- oracle


def oracle(world: World, wr: Writer) -> dict[str, object]:
    """What a correct audit finds, from the records as generated (CONTRACT §3)."""
    used = [s for s in world.sends if s.contact.territory is not None]
    marketing = [s for s in used if s.category == "marketing"]

    blocked = {s.message_id: r for s in marketing if (r := window_reason(s)) is not None}

    late: dict[str, dict[str, int]] = {}
    for cid in sorted({s.campaign_id for s in marketing}):
        msgs = [s for s in marketing if s.campaign_id == cid]
        n_blocked = sum(s.message_id in blocked for s in msgs)
        if 0 < n_blocked < len(msgs):
            late[cid] = {"messages": len(msgs), "messages_blocked": n_blocked}

    # Suppression evidence per pair: (when, evidence), earliest wins.
    evidence = suppression_evidence(world)
    by_id = {s.message_id: s for s in used}
    for _, _, mid, is_blocked in wr.receipts:
        s = by_id.get(mid)
        if is_blocked and s is not None and s.aggregator == "mgage":  # error code 061
            evidence.setdefault((s.contact.e164, s.sender_id), []).append((s.sent_at, "error_061"))
    suppressed = {pair: min(ev) for pair, ev in evidence.items()}

    after = {
        s.message_id: iso(suppressed[(s.contact.e164, s.sender_id)][0])
        for s in used
        if (s.contact.e164, s.sender_id) in suppressed
        and s.sent_at > suppressed[(s.contact.e164, s.sender_id)][0]
    }

    consent = [r for r in world.consent if r.contact.territory is not None]
    latest: dict[tuple[str, str], ConsentRow] = {}
    for r in sorted(consent, key=lambda r: r.status_date):
        latest[(r.contact.e164, r.program_id)] = r
    not_opted_out: list[list[str]] = []
    for (e164, sender), (when, _) in sorted(suppressed.items()):
        for p in PROGRAM_LIST:
            row = latest.get((e164, p.program_id))
            if p.sender_id != sender or row is None or not row.opted_in:
                continue
            if row.status_date <= when:
                not_opted_out.append([e164, p.program_id, "never_opted_out"])
            elif not row.evidence:
                not_opted_out.append([e164, p.program_id, "rejoin_without_evidence"])

    invalid_source = sorted(
        [e164, pid, r.source]
        for (e164, pid), r in latest.items()
        if r.opted_in
        and PROGRAMS_BY_ID[pid].short_code_type == "shared"
        and r.source.casefold() in KEYWORD_SOURCES
    )

    footers = {}
    for s in marketing:
        expected = PROGRAMS_BY_ID[s.program_id].footer
        if not has_footer(s.body, expected):
            footers[s.message_id] = expected

    out_of_scope: dict[str, int] = {}
    for s in world.sends:
        if s.contact.territory is None:
            out_of_scope[s.file] = out_of_scope.get(s.file, 0) + 1
    for r in world.consent:
        if r.contact.territory is None:
            out_of_scope[CONSENT] = out_of_scope.get(CONSENT, 0) + 1
    for f, _, mid, _ in wr.receipts:
        if mid not in by_id:
            out_of_scope[f] = out_of_scope.get(f, 0) + 1
    out_of_scope[RECEIPTS_MG] = out_of_scope.get(RECEIPTS_MG, 0) + len(world.superseded)

    territories = {c.e164: c.territory for c in world.contacts if c.territory not in ("FR", None)}
    return {
        "about": {
            "profile": "fr-acoustic",
            "month": "2026-05",
            "assume_tz": "Europe/Paris",
            "seed": SEED,
            "note": "Shape and rules: data_samples/README.md. Instants are UTC ISO 8601.",
        },
        "rows": dict(sorted(wr.rows.items())),
        "out_of_scope": dict(sorted(out_of_scope.items())),
        "rejected": sorted([list(r) for r in wr.rejected]),
        "blocked_window_messages": dict(sorted(blocked.items())),
        "late_campaigns": late,
        "suppressions": [
            {"msisdn": e, "sender_id": snd, "suppressed_at": iso(t), "evidence": ev}
            for (e, snd), (t, ev) in sorted(suppressed.items())
        ],
        "suppressed_pairs": [list(p) for p in sorted(suppressed)],
        "sends_after_suppression": dict(sorted(after.items())),
        "suppressed_not_opted_out": sorted(not_opted_out),
        "consent_updates": sorted([e, p] for e, p, _ in not_opted_out),
        "invalid_consent_source": invalid_source,
        "missing_stop_footer": dict(sorted(footers.items())),
        "stop_mo_lines": sorted(m.line for m in world.mo if is_stop(m.text)),
        "superseded_receipts": world.superseded,
        "territories": dict(sorted(territories.items())),
    }


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def check_intent(world: World, planted: dict[str, object]) -> None:
    """The oracle, derived by rule, must find what was planted on purpose."""
    late = planted["late_campaigns"]
    assert isinstance(late, dict)
    assert sorted(late) == world.expect["late_campaigns"], sorted(late)
    invalid = planted["invalid_consent_source"]
    assert isinstance(invalid, list) and len(invalid) == world.expect["invalid_consent_source"]
    reasons = set(planted["blocked_window_messages"].values())  # type: ignore[attr-defined]
    assert reasons == {
        "public_holiday",
        "sunday",
        "saturday_outside_hours",
        "weekday_outside_hours",
    }, reasons
    findings = {f for *_, f in planted["suppressed_not_opted_out"]}  # type: ignore[attr-defined]
    assert findings == {"never_opted_out", "rejoin_without_evidence"}, findings
    evidence = {s["evidence"] for s in planted["suppressions"]}  # type: ignore[attr-defined]
    assert evidence == {"export", "stop_mo"}, evidence  # 061 always has earlier evidence
