"""The CLI's SQLite run history: pooled, unsynced, complete, and released after the run."""

import dagster as dg
from sqlalchemy import text

from orchestration.launch import run_history


@dg.asset
def one() -> int:
    return 1


@dg.asset
def two(one: int) -> int:
    return one + 1


def test_a_run_is_recorded_in_full_through_pooled_unsynced_connections(tmp_path):
    run_history.install()
    run_history.install()  # a second run in the same process installs nothing twice
    job = dg.Definitions(assets=[one, two], jobs=[dg.define_asset_job("j")]).resolve_job_def("j")
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        result = job.execute_in_process(instance=instance)
        assert result.success
        storage = instance.event_log_storage
        # every event of the run is in its database, and both materializations in the index
        stored = storage.get_logs_for_run(result.run_id)
        kinds = [(e.dagster_event_type, e.step_key) for e in stored if e.is_dagster_event]
        assert all((e.event_type, e.step_key) in kinds for e in result.all_events)
        assert kinds.count((dg.DagsterEventType.ASSET_MATERIALIZATION, "two")) == 1
        assert {k.to_user_string() for k in instance.get_asset_keys()} == {"one", "two"}
        pooled = dict(run_history._engines)
        assert len(pooled) == 2  # the run's shard and the cross-run index, one engine each
        with storage.run_connection(result.run_id) as conn:
            assert conn.execute(text("pragma synchronous")).scalar() == 0  # no fsync
        assert dict(run_history._engines) == pooled  # the same engines, not new ones
    run_history.release()
    assert run_history._engines == {}
