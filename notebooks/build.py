"""Build the committed notebooks from their sources, execute them, and write them with outputs.

The sources are ``notebooks/src/NN_name.py`` in the "percent" format (``# %%`` starts a code
cell, ``# %% [markdown]`` a markdown cell, ``tags=["parameters"]`` tags it), readable in a
diff and compatible with jupytext. Each becomes ``notebooks/NN_name.ipynb`` with stable cell
ids and no timing metadata, so rebuilding unchanged sources changes no text output.

    .venv/bin/python notebooks/build.py              # build and execute every notebook
    .venv/bin/python notebooks/build.py 02 04        # only the notebooks whose name starts so
    .venv/bin/python notebooks/build.py --no-execute # sources only, without outputs

The kernel runs in ``notebooks/`` (as JupyterLab and nbval run it) on the bundled
``data_samples/``: ``SMSAUDIT_DATA`` is ignored here, since committed outputs are the
reference that strict nbval compares against.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
SOURCES = NOTEBOOKS / "src"
KERNEL = "python3"
CELL = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def parse(path: Path) -> nbformat.NotebookNode:
    """A notebook (without outputs) from a percent-format source file."""
    cells: list[tuple[str, list[str], list[str]]] = []  # (kind, tags, lines)
    for line in path.read_text(encoding="utf-8").splitlines():
        match = CELL.match(line)
        if match:
            tags = json.loads(match["tags"]) if match["tags"] else []
            cells.append(("markdown" if match["markdown"] else "code", tags, []))
        elif cells:
            cells[-1][2].append(line)
    nb = nbformat.v4.new_notebook()
    kernelspec = {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata = {"kernelspec": kernelspec, "language_info": {"name": "python"}}
    for index, (kind, tags, lines) in enumerate(cells):
        if kind == "markdown":
            lines = [re.sub(r"^# ?", "", line) for line in lines]
        text = "\n".join(lines).strip("\n")
        # Stable ids keep diffs small; nbformat would draw random ones.
        cell_id = f"{path.stem}-{index:02d}"
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text, id=cell_id)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def execute(nb: nbformat.NotebookNode) -> None:
    """Run ``nb`` in a fresh kernel in ``notebooks/``; raise on an error or on any stderr."""
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=600,
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    # The kernel adds its Python version: it tells nothing and would churn diffs.
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                raise RuntimeError(f"cell {cell.id} wrote to stderr:\n{output['text']}")


def build(stem: str, *, run: bool = True) -> Path:
    """Build ``notebooks/<stem>.ipynb`` from ``notebooks/src/<stem>.py``; return its path."""
    nb = parse(SOURCES / f"{stem}.py")
    if run:
        execute(nb)
    target = NOTEBOOKS / f"{stem}.ipynb"
    nbformat.validate(nb)
    nbformat.write(nb, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write without outputs")
    args = parser.parse_args(argv)
    # Committed outputs must come from the bundled samples, whatever the shell exports.
    os.environ.pop("SMSAUDIT_DATA", None)
    stems = sorted(p.stem for p in SOURCES.glob("[0-9]*.py"))
    chosen = [s for s in stems if not args.names or any(s.startswith(n) for n in args.names)]
    if not chosen:
        parser.error(f"no notebook matches {args.names}; have {stems}")
    for stem in chosen:
        print(f"building {stem}", file=sys.stderr)
        build(stem, run=not args.no_execute)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
