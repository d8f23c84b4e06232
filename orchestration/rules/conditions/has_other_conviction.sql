{#- Condition type has_other_conviction: its evaluation (parameters and description: has_other_conviction.py). -#}
{#-
  At least min_count other convictions of the person count: in `code_set` (if given), through
  the look-back filter (f_*), earlier than this one (must_precede), of the same section
  (same_section). Each part is three-valued, so each other conviction counts (true), cannot
  count (false) or may count (NULL):
    statute   in_code_set: a conviction whose offense text reads to no statute, or that has
              none, may be in `code_set` (or in the filter's code set, or its exclude set): it
              is not "certainly not in the set" because int_charge_code_set_matches has no row
              for it. Its section is not known either, so same_section may hold.
    date      a partial date around this one's may be earlier or not;
    level ... a level, grade or penalty not recorded (conviction_filter).
  True when the certain ones reach min_count, false when even with the possible ones they
  cannot, else unknown, naming each possible one (file:line, offense text) and what is not
  known about it. The rules use it as a bar (Prop 64's prior superstrike / 290 / two priors:
  review; PA's felony at any time: not eligible), also under `not`: unknown stays unknown.
-#}
{% macro condition__has_other_conviction() %}
{%- set statute_part -%}
    (cc.code_set is null or {{ in_code_set('m') }})
    and (not cc.same_section
         or case when o.section_key is not null and cc.section_key is not null
                 then o.section_key = cc.section_key end)
{%- endset -%}
{%- set date_part -%}
    (not cc.must_precede
     or case when o.disposition_date_latest < cc.disposition_date_earliest then true
             when o.disposition_date_earliest >= cc.disposition_date_latest then false end)
{%- endset %}
other_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as {{ dbt.type_string() }}) as other_source,
        ({{ conviction_filter() }}) and {{ statute_part }} and {{ date_part }} as value,
        -- for one that may count: what is not known of it, and which it is (file:line, text)
        case when (({{ conviction_filter() }}) and {{ statute_part }} and {{ date_part }}) is null
             then coalesce({{ conviction_filter_undecided(statute_also=statute_part, date_also=date_part) }},
                           'date, statute or level')
                  || ' of other conviction at ' || {{ conviction_text() }} end as undecided
    from cc
    inner join {{ ref('int_charges_assembled') }} as o
        on o.person_key = cc.person_key and o.charge_key <> cc.charge_key and o.is_convicted
    left join {{ code_set_matches('code_set', 'has_other_conviction') }} as m
        on m.program = cc.program and m.code_set = cc.code_set and m.charge_key = o.charge_key
    {{ filter_joins() }}
    where cc.condition_type = 'has_other_conviction'
),

other_counts as (
    select
        program, charge_key, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        {{ dbt.listagg("case when value then other_source end", "', '", "order by other_source") }} as certain_sources,
        {{ dbt.listagg("undecided", "'; '", "order by other_source") }} as possible_missing
    from other_convictions
    group by program, charge_key, rule_id, condition_seq
),

cond_has_other_conviction as (
    select
        cc.*,
        case when coalesce(o.certain, 0) >= cc.min_count then true
             when coalesce(o.certain, 0) + coalesce(o.possible, 0) < cc.min_count then false end as raw_value,
        cast(null as date) as ready_on,
        coalesce(cc.code_set, 'other convictions') || ': ' || coalesce(o.certain, 0) || ' found'
            || coalesce(' (' || o.certain_sources || ')', '')
            || case when coalesce(o.possible, 0) > 0 then ', ' || o.possible || ' undetermined' else '' end as fact,
        coalesce(o.possible_missing, 'date, statute or level of other convictions') as missing
    from cc
    left join other_counts as o
        on o.program = cc.program and o.charge_key = cc.charge_key
        and o.rule_id = cc.rule_id and o.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_other_conviction'
)
{% endmacro %}
