"""The command line: exit codes, one-line errors, outputs where it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smsaudit.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"


def smsaudit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess (no terminal: no progress display)."""
    env = {**os.environ, "TZ": "America/New_York", "LC_ALL": "C"}
    return subprocess.run(
        [sys.executable, "-m", "smsaudit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_audit_writes_outputs_and_prints_headline(tmp_path: Path) -> None:
    out = tmp_path / "out dir"
    proc = smsaudit("audit", str(SAMPLES), "--out", str(out), "--format", "csv", "--format", "xlsx")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # not a terminal: no progress
    assert "wasted spend" in proc.stdout and "contacts to opt out in Campaign" in proc.stdout
    assert f"to {out}/" in proc.stdout
    for table in ("blocked_window_messages", "consent_updates", "rejected_rows", "row_accounting"):
        assert (out / f"{table}.csv").is_file()
    assert (out / "smsaudit.xlsx").is_file() or list(out.glob("*.xlsx"))
    assert (out / "report.html").is_file()


def test_demo(tmp_path: Path) -> None:
    proc = smsaudit("demo", "--out", str(tmp_path / "demo"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "demo" / "report.html").is_file()


def test_profiles_lists_sources() -> None:
    proc = smsaudit("profiles")
    assert proc.returncode == 0
    assert "fr-acoustic (default)" in proc.stdout
    for name in ("fr-af2m-2024", "fr-af2m-2026", "fr-calls-2022"):
        assert name in proc.stdout
    assert proc.stdout.count("source:") >= 4


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"sends.csv": b""}, "smsaudit: error: sends.csv: empty file"),
        ({"sends.csv": b"\x00\x00\x00binary"}, "smsaudit: error: sends.csv: binary file, not text"),
        (
            {"sends.csv": b"message_id,sent_at\n1,2026-05-04\n"},
            "smsaudit: error: sends.csv, line 1, column 'msisdn': missing required column "
            "msisdn, sender_id for sends",
        ),
        ({"receipts.csv": b"message_id,status\n"}, "smsaudit: error: no sends* file in"),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    tmp_path: Path, files: dict[str, bytes], expected: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    proc = smsaudit("audit", str(tmp_path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert one_line_error(proc).startswith(expected)


def test_broken_json_exits_2(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"
    )
    (tmp_path / "receipts.json").write_text('{"results": [')
    proc = smsaudit("audit", str(tmp_path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("smsaudit: error: receipts.json, line 1: malformed JSON")


def test_bad_rows_do_not_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\n"
        "m1,2026-05-04T10:00:00Z,0612345678,36184\n"
        "m2,not a time,0612345678,36184\n"
        "m3,2026-05-04T10:00:00Z,12,36184\n"
    )
    proc = smsaudit("audit", str(tmp_path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    rejected = (tmp_path / "out" / "rejected_rows.csv").read_text()
    assert "not a time" in rejected and "sent_at" in rejected


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "--format", "pdf", "x"],
        ["audit", "--bogus"],
        ["audit", "/no/such/folder"],
        ["audit", "x", "--profile", "no-such-profile"],
        ["audit", "x", "--assume-tz", "Mars/Olympus"],
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"
    )
    proc = smsaudit(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    one_line_error(proc)


def test_explicit_file_flags(tmp_path: Path) -> None:
    sends = tmp_path / "my sends; 'quoted'.csv"
    sends.write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T22:00:00+02:00,0612345678,36184\n"
    )
    proc = smsaudit("audit", "--sends", str(sends), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    blocked = (tmp_path / "out" / "blocked_window_messages.csv").read_text()
    assert "weekday_outside_hours" in blocked


def test_mask_msisdn_hides_every_number(tmp_path: Path) -> None:
    out = tmp_path / "masked"
    proc = smsaudit("demo", "--out", str(out), "--mask-msisdn", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    for path in out.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        assert "+336" not in text and "+337" not in text, path.name


def test_main_in_process_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--nope"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_version_flag_prints_the_one_version() -> None:
    from importlib.metadata import version

    import smsaudit as package

    proc = smsaudit("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"smsaudit {package.__version__}\n"
    assert package.__version__ == version("smsaudit")


@pytest.mark.parametrize("command", ["audit", "demo", "profiles"])
def test_help_reads_like_a_conventional_cli(command: str) -> None:
    proc = smsaudit(command, "--help")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    # No type placeholders such as `<bool>` or `<list[str]>` after the options.
    assert "<bool>" not in text and "<list" not in text and "<str>" not in text
    assert "Example:" in text and f"smsaudit {command}" in text.split("Example:")[1]
    if command != "profiles":
        assert "--quiet" in text and "--mask-msisdn " in text
        assert "--format [csv|parquet|xlsx]" in text
    if command == "audit":
        unwrapped = re.sub(r"-\s+", "-", text)  # the help wraps at hyphens
        for profile in ("fr-acoustic", "fr-af2m-2024", "fr-af2m-2026", "fr-calls-2022"):
            assert profile in unwrapped
        assert "--out DIR" in text and "--sends PATH" in text


def test_top_level_help_lists_commands_and_version() -> None:
    proc = smsaudit("--help")
    assert proc.returncode == 0
    assert "--version" in proc.stdout
    for command in ("audit", "demo", "profiles"):
        assert f"  {command} " in proc.stdout


def test_formats_lists_every_format_with_its_source() -> None:
    from smsaudit.ingest import shipped_formats

    proc = smsaudit("formats")
    assert proc.returncode == 0, proc.stderr
    for fmt in shipped_formats():
        assert f"{fmt.name} ({fmt.vendor}, {fmt.reader})" in proc.stdout
        assert f"    source: {fmt.source}" in proc.stdout


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"SMSAUDIT_THREADS": "abc"}, [], "SMSAUDIT_THREADS: not a whole number"),
        ({"SMSAUDIT_THREADS": "0"}, [], "SMSAUDIT_THREADS: not a whole number"),
        ({"SMSAUDIT_MEMORY_LIMIT": "lots"}, [], "SMSAUDIT_MEMORY_LIMIT: not a memory size"),
        ({}, ["--territories", ","], "--territories names no territory"),
        ({}, ["--territories", "FR,XX"], "unknown territories XX"),
    ],
)
def test_bad_settings_are_one_line_exit_2(
    tmp_path: Path, env: dict[str, str], args: list[str], message: str
) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smsaudit",
            "audit",
            str(SAMPLES),
            "--out",
            str(tmp_path / "o"),
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 2
    assert message in one_line_error(proc)


def test_outputs_are_byte_identical_under_any_machine_time_zone(tmp_path: Path) -> None:
    """Tables, report (its SVG charts included) and workbook do not depend on TZ."""
    outs = []
    for tz in ("UTC", "Asia/Tokyo", "America/New_York"):
        out = tmp_path / tz.replace("/", "_")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "smsaudit",
                "demo",
                "--out",
                str(out),
                "-q",
                "--format",
                "csv",
                "--format",
                "xlsx",
            ],
            capture_output=True,
            text=True,
            # the workbook's creation time is the one thing that may change between runs
            env={**os.environ, "TZ": tz, "SOURCE_DATE_EPOCH": "1780000000"},
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert "report.html" in names
    for out in outs[1:]:
        assert sorted(p.name for p in out.iterdir()) == names
        for name in names:
            assert (out / name).read_bytes() == (outs[0] / name).read_bytes(), name
