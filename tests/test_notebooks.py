"""The committed notebooks: built from their sources, executed cleanly, and safe to compare.

Strict nbval (``make notebooks``) re-runs them and compares outputs; these checks are the fast
part that needs no kernel: structure, parameters, outputs free of paths and random ids, the
percent-format parser of ``notebooks/build.py``, the invariant checks of
``notebooks/nbchecks.py``, and the PNG chart renderer the notebooks switch on.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import altair as alt
import nbformat
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsaudit
from smsaudit.charts import enable_notebook_renderer

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REQUIRED = (
    "01_quickstart",
    "02_blocked_windows",
    "03_wasted_spend",
    "04_reconciliation",
    "05_planning",
)
PARAMETERS = ("data_dir", "profile", "since", "until", "out_dir")


def _load(name: str, path: Path) -> ModuleType:
    # Loaded by path under a private name: "build" would shadow the PyPI package of that name.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = _load("_notebooks_build", NOTEBOOKS / "build.py")
nbchecks = _load("_notebooks_nbchecks", NOTEBOOKS / "nbchecks.py")

STEMS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb"))


def _notebook(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)


def _texts(nb: nbformat.NotebookNode) -> Iterator[tuple[str, str]]:
    """(cell id, text) for every textual output of ``nb``."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                yield cell.id, output["text"]
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    yield cell.id, value


def test_the_stories_exist_with_their_sources() -> None:
    assert set(REQUIRED) <= set(STEMS)
    assert sorted(p.stem for p in build.SOURCES.glob("[0-9]*.py")) == STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_committed_notebook_matches_its_source(stem: str) -> None:
    """Edit ``notebooks/src/<stem>.py`` and run ``notebooks/build.py``; never the .ipynb alone."""
    committed = _notebook(stem)
    built = build.parse(build.SOURCES / f"{stem}.py")
    shape = [(c.id, c.cell_type, c.source, c.metadata.get("tags", [])) for c in built.cells]
    assert [
        (c.id, c.cell_type, c.source, c.metadata.get("tags", [])) for c in committed.cells
    ] == shape
    assert committed.metadata.kernelspec.name == "python3"
    nbformat.validate(committed)


@pytest.mark.parametrize("stem", STEMS)
def test_parameters_cell(stem: str) -> None:
    cells = [c for c in _notebook(stem).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters' (papermill)"
    tree = ast.parse(cells[0].source)
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert set(PARAMETERS) <= assigned
    # Only plain assignments, so papermill's injected cell can override every one of them.
    assert all(isinstance(node, ast.Assign) for node in tree.body)
    # The bundled samples by default, in a checkout as from an installed wheel.
    assert 'os.environ.get("SMSAUDIT_DATA", str(smsaudit.demo_data_dir()))' in cells[0].source


@pytest.mark.parametrize("stem", STEMS)
def test_executed_in_order_without_errors_or_stderr(stem: str) -> None:
    code = [c for c in _notebook(stem).cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", cell.id
            assert output.get("name") != "stderr", (cell.id, output.get("text"))


@pytest.mark.parametrize("stem", STEMS)
def test_outputs_hold_no_paths_addresses_or_scripts(stem: str) -> None:
    nb = _notebook(stem)
    for cell_id, text in _texts(nb):
        assert not re.search(r"(?<![\w.])/(tmp|home|root|work|Users|var|private)/", text), cell_id
        assert not re.search(r"[A-Za-z]:\\", text), cell_id
        assert not re.search(r"0x[0-9a-f]{6,}", text), (cell_id, "memory address")
        assert "<script" not in text, (cell_id, "charts must be PNG, not JavaScript")
    for cell in nb.cells:
        # Outputs are deterministic by construction: nothing to ignore or skip.
        assert "NBVAL_" not in cell.source, cell.id
        for output in cell.get("outputs", []):
            assert not any("vegalite" in mime for mime in output.get("data", {})), cell.id


def test_sanitize_config_stays_small() -> None:
    lines = (NOTEBOOKS / "sanitize.cfg").read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("regex:") for line in lines) <= 3


# -- build.parse --------------------------------------------------------------------------

_line = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=30,
).filter(lambda s: not s.startswith("#") and s.strip() == s)
_cell = st.tuples(
    st.sampled_from(["code", "markdown"]),
    st.lists(st.sampled_from(["parameters", "remove-input"]), max_size=2, unique=True),
    st.lists(_line, min_size=1, max_size=4).map("\n".join).filter(lambda s: s.strip()),
)


def _percent(cells: list[tuple[str, list[str], str]]) -> str:
    """The percent-format text of ``cells``: a simple writer, the oracle for the parser."""
    out = ['"""A header the parser ignores."""']
    for kind, tags, text in cells:
        marker = "# %%" + (" [markdown]" if kind == "markdown" else "")
        if tags:
            marker += " tags=[" + ", ".join(f'"{t}"' for t in tags) + "]"
        body = text.split("\n")
        if kind == "markdown":
            body = [f"# {line}" if line else "#" for line in body]
        out += [marker, *body, ""]
    return "\n".join(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(_cell, min_size=1, max_size=5))
def test_parse_reads_back_what_percent_format_writes(
    tmp_path_factory: pytest.TempPathFactory, cells: list[tuple[str, list[str], str]]
) -> None:
    source = tmp_path_factory.mktemp("src") / "99_story.py"
    source.write_text(_percent(cells), encoding="utf-8")
    nb = build.parse(source)
    got = [(c.cell_type, c.metadata.get("tags", []), c.source) for c in nb.cells]
    assert got == [(kind, tags, text.strip("\n")) for kind, tags, text in cells]
    assert [c.id for c in nb.cells] == [f"99_story-{i:02d}" for i in range(len(cells))]
    nbformat.validate(nb)


def test_parse_keeps_blank_lines_inside_a_cell(tmp_path: Path) -> None:
    source = tmp_path / "10_x.py"
    source.write_text("# %%\nx = 1\n\n\ny = 2\n\n# %% [markdown]\n# a\n#\n# b\n", "utf-8")
    code, markdown = build.parse(source).cells
    assert code.source == "x = 1\n\n\ny = 2"
    assert markdown.source == "a\n\nb"


# -- nbchecks -----------------------------------------------------------------------------


@pytest.fixture
def audit(samples_audit: smsaudit.Audit) -> smsaudit.Audit:
    return samples_audit


def test_checks_pass_on_the_samples(
    audit: smsaudit.Audit, capsys: pytest.CaptureFixture[str]
) -> None:
    nbchecks.check_audit(audit)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["ok", "ok", "ok"]
    assert "10 input files" in lines[0]


def test_a_broken_invariant_fails_the_cell(tmp_path: Path) -> None:
    fresh = smsaudit.audit(NOTEBOOKS.parent / "data_samples")
    fresh.con.execute("UPDATE row_accounting SET rows_read = rows_read + 1 WHERE kind = 'mo'")
    with pytest.raises(AssertionError, match=r"mo_2026-05\.csv"):
        nbchecks.check_audit(fresh)


# -- charts.enable_notebook_renderer ------------------------------------------------------


def test_notebook_renderer_draws_offline_png_at_double_density() -> None:
    previous = alt.renderers.active
    try:
        enable_notebook_renderer()
        chart = alt.Chart(pl.DataFrame({"x": [1, 2, 3]})).mark_bar().encode(x="x:Q")
        data, metadata = chart._repr_mimebundle_()
        assert set(data) == {"image/png"}
        png = data["image/png"]
        assert png.startswith(b"\x89PNG")
        width = int.from_bytes(png[16:20], "big")
        assert width == 2 * metadata["image/png"]["width"]
    finally:
        alt.renderers.enable(previous)
