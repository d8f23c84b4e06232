"""`cleanslate`: run the clearance job through Dagster.

cleanslate run --extract data/extract.csv --as-of 2025-07-01 [--forecast] [--county "San Joaquin"]
               [--supervision supervision.csv [--supervision-complete]]
               [--options eligibility_options.json] [--out DIR] [--warehouse FILE] [--no-wait]
cleanslate explain --subject ID | trace --subject ID --count CNT_ORDER | diff | reproduce --run ID
cleanslate review import data/exports/<COUNTY>/review.xlsx [--reviewer NAME]
"""

import sys

import typer

from orchestration.cli import audit, review, run

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

app.command("run")(run.run_command)
app.command("explain")(audit.explain_command)
app.command("trace")(audit.trace_command)
app.command("diff")(audit.diff_command)
app.command("reproduce")(audit.reproduce_command)

review_app = typer.Typer(
    no_args_is_help=True,
    help="The prosecutor's review: read the marks of a review workbook back into the warehouse.",
)
app.add_typer(review_app, name="review")
review_app.command("import")(review.review_import_command)


def main() -> None:
    from orchestration.lib import collector
    from orchestration.lib.settings import SettingsError

    collector.tune()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except SettingsError as e:  # a variable of the wrong type: one line naming it, no traceback
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)
