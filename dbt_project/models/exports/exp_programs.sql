-- The laws of the run, as the clearance files name them (court documents, repository files,
-- the report's rule versions, manifest.json): the rulebook's programs as compiled for this
-- run. Grain: one row per program (law), unique on program.
select
    program,
    jurisdiction,
    title,
    law_version,
    rules_version,
    as_of_date,
    rule_file_sha256,
    is_forecast
from {{ ref('stg_rules__programs') }}
