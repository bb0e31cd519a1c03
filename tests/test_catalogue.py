"""The catalogue of relations (smsaudit.catalogue): one declaration per table or view, and
every fact it states checked against the SQL, the pipeline, the docs and the imports."""

from __future__ import annotations

import ast
import json
from importlib.resources import files
from pathlib import Path

import duckdb
import pytest

import smsaudit
from smsaudit import catalogue, schema, sqlfiles

ROOT = Path(__file__).resolve().parents[1]
SQL_FILES = sorted(
    p.name[:-4] for p in files("smsaudit").joinpath("sql").iterdir() if p.name.endswith(".sql")
)
# sql/ files that are not relations of the audit: the loader's phone map.
LOADER_SQL = {"phone_fast"}


def referenced(sql: str) -> set[str]:
    """Tables a query reads (its CTE names aside), from DuckDB's own parse tree."""
    con = duckdb.connect()
    tree = json.loads(con.execute("SELECT json_serialize_sql($q)", {"q": sql}).fetchall()[0][0])
    assert not tree.get("error"), tree.get("error_message")
    tables: set[str] = set()
    ctes: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add(node["table_name"])
            for entry in node.get("cte_map", {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return tables - ctes


def test_every_sql_file_is_a_relation_of_the_catalogue() -> None:
    sql_built = {r.name for r in catalogue.RELATIONS if r.name in SQL_FILES}
    assert set(SQL_FILES) - LOADER_SQL == sql_built
    assert all(r.name in SQL_FILES for r in catalogue.RELATIONS if r.build in ("table", "view"))


@pytest.mark.parametrize(
    "relation",
    [r for r in catalogue.RELATIONS if r.build in ("table", "view") and r.role != "plan"],
    ids=lambda r: r.name,
)
def test_reads_and_params_are_what_the_sql_says(relation: catalogue.Relation) -> None:
    assert referenced(sqlfiles.query(relation.name)) == set(relation.reads)
    assert sqlfiles.parameters(relation.name) == set(relation.params)


def test_run_order_reads_only_what_exists_already() -> None:
    built: set[str] = set(schema.CANONICAL) | {"suppression_exports"}
    for relation in catalogue.RELATIONS:
        if relation.role == "plan":
            continue
        assert set(relation.reads) <= built, relation.name
        built.add(relation.name)


def test_findings_are_the_contracts_in_reading_order() -> None:
    assert catalogue.FINDINGS == (
        "blocked_window_messages", "wasted_spend", "late_campaigns", "suppressions",
        "suppressed_not_opted_out", "sends_after_suppression", "missing_stop_footer",
        "invalid_consent_source", "consent_updates", "rejected_rows", "row_accounting",
    )  # fmt: skip
    assert smsaudit.FINDING_TABLES == catalogue.FINDINGS
    assert all(catalogue.BY_NAME[t].columns for t in catalogue.FINDINGS)
    for relation in catalogue.RELATIONS:
        assert set(relation.values) <= set(relation.columns), relation.name
        assert bool(relation.needs) == bool(relation.skip_reason), relation.name


def test_an_audit_builds_every_relation_and_skips_by_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"
    )
    audit = smsaudit.audit(tmp_path)
    names = {r[0] for r in audit.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    names |= {r[0] for r in audit.con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    wanted = {r.name for r in catalogue.RELATIONS if r.role != "plan"}
    assert wanted <= names, wanted - names
    assert audit.skipped == {
        "suppressions": catalogue.BY_NAME["suppressions"].skip_reason,
        "sends_after_suppression": catalogue.BY_NAME["suppressions"].skip_reason,
        "suppressed_not_opted_out": "no consent* export given",
        "consent_updates": "no consent* export given",
        "missing_stop_footer": "the sends carry no message body",
        "invalid_consent_source": "no consent* export given",
        "suppression_list": catalogue.BY_NAME["suppressions"].skip_reason,
    }


def test_architecture_doc_shows_the_catalogue() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert catalogue.markdown() in doc, "regenerate: python -m smsaudit.catalogue"


def _imports() -> dict[str, set[str]]:
    """smsaudit module -> smsaudit modules it imports when it runs (at the top or inside a
    function; not under ``if TYPE_CHECKING``)."""
    src = ROOT / "src"
    modules = {}
    for path in (src / "smsaudit").rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Imports for type checkers only never run: they make no cycle.
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = (
                    ".".join(base + ([node.module] if node.module else []))
                    if node.level
                    else node.module or ""
                )
                for alias in node.names:
                    for candidate in (f"{target}.{alias.name}", target):
                        if candidate in modules and candidate != name:
                            graph[name].add(candidate)
                            break
    return graph


def test_the_import_graph_has_no_cycle() -> None:
    graph = _imports()
    assert "smsaudit.pipeline" not in graph["smsaudit.results"]
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt == "smsaudit":  # the package's lazy re-exports
                continue
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*path, nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
