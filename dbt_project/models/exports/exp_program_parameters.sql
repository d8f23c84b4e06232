-- Each law's parameters in effect for the run (the rule file's values with the run's options
-- applied), as JSON text: the earlier Prop 64 tool's gogen.json prints those of us_ca_prop64.
-- Grain: one row per program and parameter name, unique on (program, name).
select
    program,
    name,
    value_json
from {{ ref('stg_rules__parameters') }}
