{#- Condition type sentence_completed: its evaluation (parameters and description: sentence_completed.py). -#}
{% macro condition__sentence_completed() %}
cond_sentence_completed as (
    select
        cc.*,
        cc.sentence_end_date <= cc.as_of_date as raw_value,
        cc.sentence_end_date as ready_on,
        'sentence ends ' || coalesce(cast(cc.sentence_end_date as {{ dbt.type_string() }}), 'unknown') as fact,
        'sentence (no sentence, or no end date, recorded)' as missing
    from cc
    where cc.condition_type = 'sentence_completed'
)
{% endmacro %}
