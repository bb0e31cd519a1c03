"""The docs a newcomer reads: every "CONTRACT §N" cited resolves in docs/CONTRACT.md, and
nothing points to a file the repository does not hold."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "src").rglob("*.py")),
    *sorted((ROOT / "src").rglob("*.sql")),
]


def test_contract_sections_cited_exist() -> None:
    contract = (ROOT / "docs" / "CONTRACT.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", contract, flags=re.M))
    assert sections == {"1", "2", "3", "4"}
    cited = {
        (path.name, n)
        for path in READ
        for n in re.findall(r"CONTRACT §(\d+)", path.read_text(encoding="utf-8"))
    }
    assert cited and all(n in sections for _, n in cited), sorted(cited)


def test_no_reference_to_a_file_outside_the_repository() -> None:
    missing = ("DOMAIN.md", "VENDORS.md", "REVIEW.md", "DESIGN.md", "SCALEOUT.md", "seed/")
    for path in READ:
        text = path.read_text(encoding="utf-8")
        assert not [m for m in missing if m in text], path
    for name in re.findall(r"`(docs/[A-Za-z_]+\.md)`", (ROOT / "README.md").read_text()):
        assert (ROOT / name).is_file(), name
