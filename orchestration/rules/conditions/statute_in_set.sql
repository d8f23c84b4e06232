{#- Condition type statute_in_set: its evaluation (parameters and description: statute_in_set.py). -#}
{% macro condition__statute_in_set() %}
cond_statute_in_set as (
    select
        cc.*,
        -- No offense text at all (every column empty, or SEE COMMENT FOR CHARGE with no comment):
        -- nothing says which statute it is, so no list can be ruled out. Unreadable text that is
        -- there stays "not in the set"; the offense_text_unread gate counts it.
        case when {{ no_offense_text('cc.offense_raw') }} then null
             when m.charge_key is null then false else m.is_match end as raw_value,
        cast(null as date) as ready_on,
        'statute=' || coalesce(cc.statute, 'section ' || cc.section_key || ' with no code', 'unparsed')
            -- a code from the code inference table says so, with the keyword and the table
            || case when cc.code_inferred
                    then ' (code_inferred: code ' || {{ dbt.split_part('cc.statute', "':'", 2) }} || ' from the keyword '''
                         || cc.code_inference_keyword || ''': ' || cc.code_inference_basis || ')'
                    else '' end as fact,
        case when {{ no_offense_text('cc.offense_raw') }}
             then 'offense text (no statute in any offense column: ' || coalesce(cc.offense_raw, 'all empty') || ')'
             else 'code abbreviation (HS, PC, ...) of charge ' || coalesce(cc.offense_raw, '') end as missing
    from cc
    left join {{ code_set_matches('code_set', 'statute_in_set') }} as m
        on m.program = cc.program and m.code_set = cc.code_set and m.charge_key = cc.charge_key
    where cc.condition_type = 'statute_in_set'
)
{% endmacro %}
