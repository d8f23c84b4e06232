"""Issue 16: the export writers read the exports layer and nothing else.

Every table the writers read is a contract-enforced dbt model, exp_* (dbt_project/models/
exports) or rpt_* (marts/reporting), documented column by column; the prosecutor's latest review
(audit.review_outcomes, written between runs by `cleanslate review import`) is the one other
table. Checked structurally: the loader runs against a warehouse that holds only those tables,
empty, made from the models' contracts, so any other table it read would not be found.
"""

from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import AssetKey

from orchestration.definitions import defs
from orchestration.exports import load
from orchestration.exports.assets import EXPORT_READS, GATED_BY, STAGED
from orchestration.lib.settings import PROJECT_ROOT
from orchestration.resources import Warehouse
from orchestration.review import store

MODELS = PROJECT_ROOT / "dbt_project" / "models"


def _contracts() -> dict[str, dict]:
    """model name -> its properties, for every model of the exports layer's YAML files."""
    out = {}
    for path in [
        *(MODELS / "exports").glob("_*.yml"),
        *(MODELS / "marts" / "reporting").glob("_*.yml"),
    ]:
        for model in yaml.safe_load(path.read_text()).get("models", []):  # not unit_tests
            out[model["name"]] = model
    return out


def _project_contract_enforced() -> str:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    return project["models"]["clean_slate"]["exports"]["+contract"]["enforced"]


def test_the_writers_read_only_exports_models():
    assert load.EXPORT_MODELS
    assert all(m.startswith(("exp_", "rpt_")) for m in load.EXPORT_MODELS)


def test_every_exports_model_has_a_contract_and_every_column_a_type_and_a_description():
    contracts = _contracts()
    assert _project_contract_enforced() == "{{ target.type == 'duckdb' }}"
    on_disk = {p.stem for p in (MODELS / "exports").glob("exp_*.sql")}
    assert on_disk <= set(contracts), on_disk - set(contracts)
    for name in load.EXPORT_MODELS:
        model = contracts[name]
        assert (model.get("description") or "").strip(), name
        assert "grain" in model["description"].lower(), f"{name}: say the grain"
        if name.startswith("rpt_"):  # the exports folder enforces it for every exp_ model
            assert model["config"]["contract"]["enforced"], name
        for column in model["columns"]:
            assert column.get("data_type"), f"{name}.{column['name']}"
            assert (column.get("description") or "").strip(), f"{name}.{column['name']}"


@pytest.fixture
def exports_only(tmp_path: Path) -> Warehouse:
    """A warehouse with the exports models (empty, typed by their contracts) and the review
    tables: nothing else."""
    path = tmp_path / "warehouse.duckdb"
    contracts = _contracts()
    con = duckdb.connect(str(path))
    try:
        for name in load.EXPORT_MODELS:
            columns = ", ".join(
                f'"{c["name"]}" {c["data_type"]}' for c in contracts[name]["columns"]
            )
            con.execute(f"create table main.{name} ({columns})")
        store.ensure_tables(con)
    finally:
        con.close()
    return Warehouse(path=str(path))


def test_the_loader_finds_everything_it_reads_in_the_exports_models(exports_only):
    frames = load.load_export_frames(exports_only)
    assert frames.decisions.height == 0
    assert set(store.REVIEW_COLUMNS) <= set(frames.decisions.columns)
    rows = load.UnitRows(frames.source)
    assert rows.count() == 0 and rows.frame().height == 0
    assert set(store.REVIEW_COLUMNS) <= set(rows.frame().columns)
    assert load.county_values(frames.source) == {}
    assert load.load_unread_by_county(exports_only).height == 0
    assert load.load_parameters(exports_only, "us_ca_prop64").height == 0
    assert load.forecast_run(exports_only) is False


def test_the_decision_frame_is_the_model_then_the_review():
    """The writers' decision frame keeps the columns (and their order) of exp_decisions, then
    the review's: the contract is what the files are written from."""
    columns = [c["name"] for c in _contracts()["exp_decisions"]["columns"]]
    assert columns[:2] == ["decision_id", "conviction_id"]
    assert columns[-3:] == ["race", "dob", "otn"]
    assert "review_mark" not in columns  # joined when the files are written (see load.py)


def test_the_export_depends_on_what_it_reads_and_on_the_gated_models():
    graph = defs.get_repository_def().asset_graph
    parents = graph.get(STAGED).parent_keys
    assert {AssetKey([m]) for m in load.EXPORT_MODELS} <= set(EXPORT_READS) <= parents
    # Dagster holds an asset back only for its direct parents' blocking checks: every model the
    # dbt step builds that carries a blocking run gate (a check of its own, not a dbt test) is a
    # parent.
    gated = {
        check.asset_key
        for check in graph.asset_check_keys
        if "dbt" in (graph.get(check.asset_key).kinds or set())
        and graph.get_check_spec(check).blocking
        and not graph._assets_defs_by_check_key[check].keys  # a standalone check
    }
    assert gated == set(GATED_BY), gated
    assert set(GATED_BY) <= parents


def test_unit_rows_narrowed_to_nothing_keep_their_columns(exports_only):
    """A program with no row left after narrowing still has the rows' columns (its files are
    written with a header only), with the query's parameters kept."""
    frames = load.load_export_frames(exports_only)
    rows = (
        load.UnitRows(frames.source)
        .narrowed("d.program = ?", "us_xx")
        .narrowed("d.determination = ?", "eligible")
    )
    empty = rows.frame()
    assert empty.height == 0 and "decision_id" in empty.columns and "review_mark" in empty.columns
    assert rows.count() == 0 and list(rows) == []


def test_held_reads_share_one_open_warehouse_and_release_it(tmp_path, monkeypatch):
    """ExportSource.held(): every read in the block is a cursor of one connection (opening the
    file costs ~0.1 s a time), and the file is closed after it (the run writes it next)."""
    file = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(file)) as con:
        con.execute("create table t as select range as n from range(3)")
    opened = []
    real_connect = duckdb.connect
    monkeypatch.setattr(
        load.duckdb, "connect", lambda *a, **k: opened.append(a) or real_connect(*a, **k)
    )
    source = load.ExportSource(file, "256MB")
    with source.held():
        with source.held():  # nested: the same connection
            assert source.query("select count(*) as n from t")["n"][0] == 3
        batches = source.batches("select n from t order by n", rows=2)
        assert [b["n"].to_list() for b in batches] == [[0, 1], [2]]
    assert len(opened) == 1
    source.query("select 1")  # outside a held block: its own connection
    assert len(opened) == 2
    with real_connect(str(file)) as writer:  # released: the file opens for writing
        writer.execute("insert into t values (3)")


def test_held_reads_look_up_the_review_table_once(tmp_path, monkeypatch):
    """While the warehouse is held (read only: no review can be recorded meanwhile), whether
    audit.review_outcomes exists is looked up once, not by every query (~10 ms each); a review
    recorded between two blocks is read by the next one."""
    file = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(file)) as con:
        con.execute("create table d as select 'd1' as decision_id, 'g1' as decision_digest")
    looked = []
    real_latest = store.latest_sql
    monkeypatch.setattr(store, "latest_sql", lambda con: looked.append(1) or real_latest(con))
    sql = (
        "select {review_columns} from d left join ({latest_reviews}) r"
        " on r.decision_id = d.decision_id"
    )
    source = load.ExportSource(file, "256MB")
    with source.held():
        for _ in range(3):
            assert source.query(sql)["review_mark"].to_list() == [None]
        assert [b.height for b in source.batches(sql)] == [1]
    assert len(looked) == 1

    with duckdb.connect(str(file)) as con:  # `cleanslate review import`, between runs
        store.ensure_tables(con)
        con.execute(
            f"insert into {store.OUTCOMES} (import_id, import_seq, row_seq, decision_id,"
            " decision_digest, mark) values ('i1', 1, 1, 'd1', 'g1', 'agree')"
        )
    with source.held():
        got = source.query(sql).row(0, named=True)
    assert len(looked) == 2
    assert got["review_mark"] == "agree" and got["review_applies"] is True
