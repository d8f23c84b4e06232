{#- Condition type all_convictions_in_set: its evaluation (parameters and description: all_convictions_in_set.py). -#}
{#-
  Every conviction of the person, this one included, is in the code set. Each conviction is in
  the set (a match row with is_match true), maybe in it, or out of it:
    maybe  a match row with is_match NULL (a section with no code abbreviation), or a statute
           that was not read (parse_status `unparsed`, or `missing`: no offense text at all):
           nothing says which statute it is, so it cannot be ruled in or out;
    out    a statute that was read (parse_status parsed or no_code) and matches no member.
  One conviction certainly out makes the condition false; else one that may be out makes it
  unknown, naming those convictions; else it is true. (statute_in_set, on the charge itself,
  keeps read-but-unparsed text "not in the set", counted by the offense_text_unread gate: there
  "not in the set" only keeps a charge out of a list. Here it would assert that the record
  holds a conviction outside the set, which the data cannot say.)
  A person with no conviction at all: true (every one of none is in the set) and the fact says
  so. No rule reaches it today: Prop 64's only_prop64 is tried on convictions only, so the
  record holds at least the one being decided (as in the earlier tool, which asked it of a
  Prop 64 conviction).
-#}
{% macro condition__all_convictions_in_set() %}
all_in_set_convictions as (
    select
        cc.program, cc.charge_key, cc.rule_id, cc.condition_seq,
        case when m.is_match then true
             when m.charge_key is not null then cast(null as {{ dbt.type_boolean() }})
             when o.parse_status in ('parsed', 'no_code') then false
        end as in_set,
        coalesce(o.source_file, '?') || ':' || coalesce(cast(o.source_line as {{ dbt.type_string() }}), '?')
            || ' (' || coalesce(o.offense_raw, 'no offense text') || ')' as conviction
    from cc
    inner join {{ ref('int_charges_assembled') }} as o on o.person_key = cc.person_key and o.is_convicted
    left join {{ code_set_matches('code_set', 'all_convictions_in_set') }} as m
        on m.program = cc.program and m.code_set = cc.code_set and m.charge_key = o.charge_key
    where cc.condition_type = 'all_convictions_in_set'
),

all_in_set as (
    select
        program, charge_key, rule_id, condition_seq,
        count(*) as convictions,
        count(case when in_set then 1 end) as in_set,
        count(case when not in_set then 1 end) as out_of_set,
        count(case when in_set is null then 1 end) as undetermined,
        {{ dbt.listagg("case when in_set is null then conviction end", "', '", "order by conviction") }}
            as undetermined_convictions
    from all_in_set_convictions
    group by program, charge_key, rule_id, condition_seq
),

cond_all_convictions_in_set as (
    select
        cc.*,
        case when coalesce(a.out_of_set, 0) > 0 then false
             when coalesce(a.undetermined, 0) > 0 then null
             else true end as raw_value,
        cast(null as date) as ready_on,
        coalesce(a.in_set, 0) || ' of ' || coalesce(a.convictions, 0) || ' convictions in ' || cc.code_set
            || case when coalesce(a.convictions, 0) = 0 then ' (no conviction on the record)'
                    when coalesce(a.undetermined, 0) > 0
                        then ', ' || a.undetermined || ' undetermined' else '' end as fact,
        'statute (code abbreviation or readable offense text) of conviction(s) at '
            || coalesce(a.undetermined_convictions, '?') as missing
    from cc
    left join all_in_set as a
        on a.program = cc.program and a.charge_key = cc.charge_key
        and a.rule_id = cc.rule_id and a.condition_seq = cc.condition_seq
    where cc.condition_type = 'all_convictions_in_set'
)
{% endmacro %}
