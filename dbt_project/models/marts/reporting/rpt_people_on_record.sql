-- The run report's people on record (report/report.html and .pdf, section 2's note: "Of N
-- people with at least one conviction on record, M have at least one felony conviction"):
-- every person with a conviction on record (exp_convictions: any source, county or law, in
-- or out of any law's scope), and those with a felony among them. The same for a --county
-- run: the warehouse keeps every county. Grain: one row (the whole record).
select
    count(distinct person_key) as people_with_conviction,
    count(distinct case when is_felony then person_key end) as people_with_felony
from {{ ref('exp_convictions') }}
