"""The output folder (smsaudit.outdir): never an input, never someone else's, replaced whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smsaudit import outdir
from smsaudit.errors import InputError

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"
SENDS = "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsaudit", *args], capture_output=True, text=True, cwd=cwd
    )


def _folder(tmp_path: Path) -> Path:
    data = tmp_path / "exports"
    data.mkdir()
    (data / "sends.csv").write_text(SENDS)
    (data / "suppressions_mgage.csv").write_text("msisdn,sender_id,suppressed_at\n")
    return data


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("where", ["data", "parent"])
def test_out_at_or_around_the_data_is_refused_and_nothing_changes(
    tmp_path: Path, where: str
) -> None:
    data = _folder(tmp_path)
    before = _snapshot(data)
    out = data if where == "data" else tmp_path
    proc = _cli("audit", str(data), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert "--out holds the input files" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert _snapshot(data) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_a_folder_of_other_files_is_never_written_over(tmp_path: Path) -> None:
    data = _folder(tmp_path)
    out = tmp_path / "finance"
    out.mkdir()
    (out / "suppressions.csv").write_text("the finance team's own file\n")
    proc = _cli("audit", str(data), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2
    assert "holds files smsaudit did not write" in proc.stderr
    assert (out / "suppressions.csv").read_text() == "the finance team's own file\n"


def test_a_second_run_replaces_its_own_folder_whole(tmp_path: Path) -> None:
    data = _folder(tmp_path)
    out = tmp_path / "report"
    assert _cli("audit", str(data), "--out", str(out), cwd=tmp_path).returncode == 0
    assert (out / outdir.MARKER).exists()
    (out / "stale.csv").write_text("from an older version\n")
    proc = _cli("audit", str(data), "--out", str(out), "--format", "parquet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert "stale.csv" not in names and "sends_after_suppression.parquet" in names
    assert not any(n.endswith(".csv") for n in names)
    # nothing left beside it: no half-written or old copies
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "report"]
    written = int(proc.stdout.split("wrote ")[1].split()[0])
    assert written == len([n for n in names if n != outdir.MARKER])


def test_a_failed_run_leaves_the_previous_outputs(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with outdir.staged(out) as work:
        (work / "a.csv").write_text("first run\n")
    with pytest.raises(RuntimeError), outdir.staged(out) as work:
        (work / "a.csv").write_text("second run, interrupted\n")
        raise RuntimeError("disk full")
    assert (out / "a.csv").read_text() == "first run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_out_that_is_a_file_a_link_or_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "report").write_text("not a folder")
    with pytest.raises(InputError, match="must be a folder"):
        outdir.check(tmp_path / "report")
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.symlink(target, tmp_path / "link")
    with pytest.raises(InputError, match="must be a folder"):
        outdir.check(tmp_path / "link")
    here = Path.cwd()
    try:
        os.chdir(target)
        with pytest.raises(InputError, match="current folder"), outdir.staged(Path(".")):
            pass
    finally:
        os.chdir(here)


def test_out_inside_the_data_folder_is_allowed_it_is_never_read(tmp_path: Path) -> None:
    """Only the files of DATA_DIR itself are inputs: a report folder inside it is not read."""
    data = _folder(tmp_path)
    out = data / "report"
    assert _cli("audit", str(data), "--out", str(out), cwd=tmp_path).returncode == 0
    proc = _cli("audit", str(data), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(out)


def test_a_second_run_on_a_folder_being_written_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with outdir.staged(out) as work:
        (work / "a.csv").write_text("first run\n")
        busy = r"another smsaudit run \(process \d+\) is writing"
        with pytest.raises(InputError, match=busy), outdir.staged(out):
            pass  # pragma: no cover - refused before
        proc = _cli("audit", str(_folder(tmp_path)), "--out", str(out), cwd=tmp_path)
        assert proc.returncode == 2 and "another smsaudit run" in proc.stderr
    assert (out / "a.csv").read_text() == "first run\n"
    with outdir.staged(out) as work:  # released at the end
        (work / "b.csv").write_text("next run\n")
    assert sorted(p.name for p in out.iterdir()) == [outdir.MARKER, "b.csv"]


def test_sigterm_leaves_no_half_written_folder_or_spill_files(tmp_path: Path) -> None:
    """A scheduler's timeout (SIGTERM) mid-run: the run exits 143, the previous outputs
    stay, and neither its staging folder nor DuckDB's spill folder is left behind."""
    data = _folder(tmp_path)
    out = tmp_path / "report"
    assert _cli("audit", str(data), "--out", str(out), cwd=tmp_path).returncode == 0
    before = _snapshot(out)
    spills = tmp_path / "tmp"
    spills.mkdir()
    # Stall the run once it writes its outputs, then terminate it there.
    code = (
        "import sys, time; from smsaudit import export, cli\n"
        "def stall(*a, **k): print('writing', flush=True); time.sleep(60)\n"
        "export.write_csv = stall\n"
        f"sys.exit(cli.main(['audit', {str(data)!r}, '--out', {str(out)!r}, '-q']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(spills)},
    )
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    assert [p.name for p in spills.iterdir() if "spill" in p.name]  # the run's own, now
    assert [p.name for p in tmp_path.iterdir() if ".writing-" in p.name]
    proc.terminate()
    assert proc.wait(timeout=60) == 143
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "report", "tmp"]
    assert not [p for p in spills.iterdir() if p.is_dir()]
    assert _snapshot(out) == before
