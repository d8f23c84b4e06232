-- The run report's input table (report/report.html and .pdf, section 6, "Inputs"): each
-- input file of the run, its SHA-256, the records read and rejected, and its conviction
-- records whose offense text read to no statute (the texts: rpt_charge_codes_unparsed).
-- Grain: one row per input file (exp_input_files).
select
    source_system,
    file,
    sha256,
    records,
    rejected,
    unread_offense_texts
from {{ ref('exp_input_files') }}
