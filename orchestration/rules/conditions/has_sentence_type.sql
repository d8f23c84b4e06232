{#- Condition type has_sentence_type: its evaluation (parameters and description: has_sentence_type.py). -#}
{% macro condition__has_sentence_type() %}
cond_has_sentence_type as (
    select
        cc.*,
        ({{ in_list("'prison'", 'cc.sentence_types') }} and cc.has_prison)
            or ({{ in_list("'jail'", 'cc.sentence_types') }} and cc.has_jail)
            or ({{ in_list("'probation'", 'cc.sentence_types') }} and cc.has_probation) as raw_value,
        cast(null as date) as ready_on,
        'sentence:' || case when cc.has_prison then ' prison' else '' end
            || case when cc.has_jail then ' jail' else '' end
            || case when cc.has_probation then ' probation' else '' end as fact,
        'sentence type' as missing
    from cc
    where cc.condition_type = 'has_sentence_type'
)
{% endmacro %}
