-- A view: the writers read it once per run, so a table would only copy the rows (at 1M
-- rows, seconds of the dbt step) before they stream them.
{{ config(materialized=('table' if target.type == 'spark' else 'view')) }}

-- The CA DOJ research-file records as delivered, for the earlier Prop 64 tool's files
-- (gogen/All_Results_Condensed.csv quotes every record, Prop64_Results.csv the convictions):
-- the 95 columns as text and the record's place in its file, with the charge_key of the
-- conviction it gives (NULL when it gives none), the subject's person_key and the record's
-- "Possible Other P64 Charges" (macros/gogen.sql). Grain: one row per staged DOJ record, unique
-- on (source_file, source_line).
with keys as (
    -- the charge_key of stg_doj__events' record, as int_charges_assembled derives it
    select
        source_file,
        source_line,
        md5(
            'doj:' || subject_id || '|'
            || coalesce(cnt_order, 'line:' || source_file || ':' || cast(source_line as {{ dbt.type_string() }}))
        ) as charge_key,
        'doj:' || subject_id as subject_key
    from {{ ref('stg_doj__events') }}
),

convictions as (
    select charge_key
    from {{ ref('int_charges_assembled') }}
    where is_convicted
)

select
    r.*,
    c.charge_key,
    k.subject_key,
    -- the research file's columns are upper case: quoted (PostgreSQL folds unquoted names)
    {{ gogen_possible_other_p64(
        'r.' ~ adapter.quote('OFFENSE_DESCR'), 'r.' ~ adapter.quote('COMMENT_TEXT')
    ) }} as possible_other_p64_charges
from {{ source('raw', 'doj_extract') }} as r
inner join keys as k on k.source_file = r.source_file and k.source_line = r.source_line
left join convictions as c on c.charge_key = k.charge_key
