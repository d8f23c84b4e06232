"""Export: per-county Prop 64 clearance files from the decision table, after the gates pass."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset

from orchestration.exports.writers import write_county_exports
from orchestration.quality.checks import DECISION_TABLE
from orchestration.resources import Warehouse
from orchestration.settings import exports_dir


class ExportConfig(Config):
    """out_dir: where the county folders go. county: one county only (case/space-insensitive)."""

    out_dir: str = str(exports_dir())
    county: str | None = None


@asset(
    key=AssetKey(["exports", "prop64_county_files"]),
    deps=[DECISION_TABLE],
    group_name="exports",
    kinds={"csv", "json"},
    description="DIR/<COUNTY>/prop64_convictions.csv and summary.json per county.",
)
def prop64_county_files(
    context: AssetExecutionContext, config: ExportConfig, warehouse: Warehouse
) -> MaterializeResult:
    decisions = warehouse.query(
        "select * exclude (is_undecided) from main.fct_conviction_eligibility"
        " where program = 'us_ca_prop64'"
    )
    out_dir = Path(config.out_dir).resolve()
    summaries = write_county_exports(decisions, out_dir, config.county)
    context.log.info(f"wrote {len(summaries)} county folder(s) under {out_dir}")
    return MaterializeResult(
        metadata={
            "out_dir": str(out_dir),
            "counties": MetadataValue.json(
                {
                    k: {"convictions": v["convictions"], **v["by_determination"]}
                    for k, v in summaries.items()
                }
            ),
            "convictions": sum(v["convictions"] for v in summaries.values()),
        }
    )
