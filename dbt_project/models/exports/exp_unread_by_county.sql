-- Conviction records whose offense text reads to no statute, per county as recorded: each
-- county's summary.json prints them (the writers sum them by normalized county name).
-- Grain: one row per recorded county (NULL: no county recorded), unique on county.
select
    county,
    count(*) as unread_conviction_records
from {{ ref('int_charges_assembled') }}
where is_convicted and parse_status <> 'parsed'
group by county
