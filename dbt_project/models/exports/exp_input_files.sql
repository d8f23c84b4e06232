-- The report's input table: each input file of the run (a CA DOJ extract file, or a table file
-- of a canonical extract that was present), its SHA-256, records read and rejected, and for the
-- files that hold conviction records, how many of those have an offense text that reads to no
-- statute (the figure of the offense_text_unread gate, orchestration/quality/gates.py, shown
-- below its limit too; the texts themselves: rpt_charge_codes_unparsed).
-- Grain: one row per input file, unique on file.
with doj_files as (
    select
        'doj' as source_system,
        source_file as file,
        source_sha256 as sha256,
        input_records as records,
        rejected
    from {{ source('raw', 'doj_files') }}
),

canonical_files as (
    select
        'canonical' as source_system,
        source_extract || '/' || table_name as file,
        source_sha256 as sha256,
        input_records as records,
        rejected
    from {{ source('canonical', 'canonical_files') }}
    where present
),

-- conviction records per input, named as above (DOJ: the file; canonical: extract/charges)
convictions as (
    select
        case
            when c.source_system = 'doj' then c.source_file
            else coalesce(s.source_extract || '/', '') || 'charges'
        end as file,
        c.parse_status
    from {{ ref('int_charges_assembled') }} as c
    left join {{ ref('stg_canonical__charges') }} as s
        on c.source_system = 'canonical' and s.charge_key = c.charge_key
    where c.is_convicted
),

unread as (
    select
        file,
        count(case when parse_status <> 'parsed' then 1 end) as unread_offense_texts
    from convictions
    group by file
),

files as (
    select * from doj_files
    union all
    select * from canonical_files
)

select
    f.source_system,
    f.file,
    f.sha256,
    f.records,
    f.rejected,
    u.unread_offense_texts
from files as f
left join unread as u on u.file = f.file
