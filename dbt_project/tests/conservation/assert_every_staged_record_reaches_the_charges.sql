-- Conservation: every staged conviction record of the CA DOJ extract belongs to exactly one
-- charge, and every staged canonical charge is a charge (a charge whose person is missing from
-- persons.csv would silently vanish in the join: this test stops the run instead).
-- Returns the records that went missing.
{# Dagster: a check on int_charges_assembled (the test reads several models: name the one it guards) #}
{{ config(meta={'dagster': {'ref': {'name': 'int_charges_assembled'}}}) }}
with doj_expected as (
    select distinct
        md5('doj:' || subject_id || '|' || coalesce(cnt_order,
            'line:' || source_file || ':' || cast(source_line as {{ dbt.type_string() }}))) as charge_key,
        source_file, source_line
    from {{ ref('stg_doj__events') }}
    where is_conviction_row and subject_id is not null
),

canonical_expected as (
    select charge_key, source_file, source_line from {{ ref('stg_canonical__charges') }}
)

select e.source_file, e.source_line, 'DOJ conviction record has no charge' as problem
from doj_expected as e
left join {{ ref('int_charges_assembled') }} as c on c.charge_key = e.charge_key and c.is_convicted
where c.charge_key is null
union all
select e.source_file, e.source_line, 'canonical charge has no charge row (missing person?)' as problem
from canonical_expected as e
left join {{ ref('int_charges_assembled') }} as c on c.charge_key = e.charge_key
where c.charge_key is null
