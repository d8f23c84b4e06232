"""A run records which warehouse it used: the UI shows it as run tags."""

from dagster import DagsterInstance, asset, materialize

from orchestration.resources import TARGET_TAG, WAREHOUSE_TAG, Warehouse


@asset
def touches_the_warehouse(warehouse: Warehouse) -> None:
    assert warehouse.file.name == "w.duckdb"


def test_a_run_is_tagged_with_its_warehouse_and_dbt_target(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("DBT_TARGET", "dev")
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [touches_the_warehouse], resources={"warehouse": Warehouse()}, instance=instance
        )
        tags = instance.get_run_by_id(result.run_id).tags
    assert tags[WAREHOUSE_TAG] == str((tmp_path / "w.duckdb").resolve())
    assert tags[TARGET_TAG] == "dev"
