{#-
  The run report's labels (marts/reporting, rpt_*), as orchestration/exports/report.py prints
  them, in one place for every rpt_ model:
    report_county(col)   the county as the report groups and filters it: runs of whitespace
                         collapsed to one space, trimmed, upper case (writers.normalize_county);
                         'Not recorded' when the source recorded none
    report_label(col, label)   trimmed; `label` when NULL or blank
  The all-counties scope: models with a person count (people are counted once however many
  counties their decisions are in) hold one row set per county and one for all counties
  together, with county NULL. report_scopes(relation, columns) gives each row of `relation`
  twice, keyed by `scope`: its county ('YOLO') and '' (all counties; never a county, which is
  'Not recorded' when none): join on scope, then `nullif(scope, '') as county`.
-#}
{% macro report_county(col) -%}
    {%- set whitespace_run -%}\s+{%- endset -%}
    coalesce(nullif(upper(trim({{ re_replace(col, whitespace_run, ' ') }})), ''), 'Not recorded')
{%- endmacro %}

{% macro report_label(col, label) -%}
    coalesce(nullif(trim({{ col }}), ''), '{{ label }}')
{%- endmacro %}

{% macro report_scopes(relation, columns) -%}
    select county as scope, {{ columns | join(', ') }} from {{ relation }}
    union all
    select '' as scope, {{ columns | join(', ') }} from {{ relation }}
{%- endmacro %}
