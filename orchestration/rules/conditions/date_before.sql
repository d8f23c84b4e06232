{#- Condition type date_before: its evaluation (parameters and description: date_before.py). -#}
{#- The charge's date (d_earliest..d_latest, see date_comparison in _shared.sql) strictly before date_value. -#}
{% macro condition__date_before() %}
{{ date_comparison('date_before', true_when='d_latest < date_value', false_when='d_earliest >= date_value') }}
{% endmacro %}
