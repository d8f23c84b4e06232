{#- Condition type date_after: its evaluation (parameters and description: date_after.py). -#}
{#- The charge's date (d_earliest..d_latest, see date_comparison in _shared.sql) strictly after date_value. -#}
{% macro condition__date_after() %}
{{ date_comparison('date_after', true_when='d_earliest > date_value', false_when='d_latest <= date_value') }}
{% endmacro %}
