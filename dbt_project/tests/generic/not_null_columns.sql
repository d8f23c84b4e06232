{#- The model's columns that hold a NULL, one row each with how many (one dbt node per model
    instead of one `not_null` test per column: a node costs dbt and Dagster tens of
    milliseconds on every run, its query next to nothing). -#}
{% test not_null_columns(model, columns) %}
with counted as (
    select
    {%- for c in columns %}
        sum(case when {{ c }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for c in columns -%}
select '{{ c }}' as null_column, nulls_{{ loop.index }} as null_rows
from counted
where nulls_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
{% endtest %}
