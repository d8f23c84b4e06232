{#-
  audit.export_lines: where each decision landed in a published export set (file and line,
  page or sheet row). The export step writes it at publish time (orchestration/audit/
  export_lines.py, same columns); fct_decision_lineage is a view over it. The table must
  exist before dbt builds that view, so every dbt invocation creates it, empty, when it is
  missing (on-run-start in dbt_project.yml). Cross-database types (dbt.type_*).
-#}
{% macro create_export_lines_table() -%}
create table if not exists {{ export_lines_relation() }} (
    run_id {{ dbt.type_string() }},
    out_dir {{ dbt.type_string() }},
    decision_id {{ dbt.type_string() }},
    file {{ dbt.type_string() }},
    kind {{ dbt.type_string() }},
    line {{ dbt.type_int() }},
    page {{ dbt.type_int() }},
    sheet {{ dbt.type_string() }},
    location {{ dbt.type_string() }},
    staged_at {{ dbt.type_timestamp() }},
    published_at {{ dbt.type_timestamp() }}
)
{%- endmacro %}

{% macro export_lines_relation() -%}
{{ api.Relation.create(schema='audit', identifier='export_lines') }}
{%- endmacro %}

{#-
  staged_row_hash(relation): md5 of one staged record, for auditors to check the warehouse row
  against the source line. The record's fields in the staged table's column order (the file's
  own order for the CA DOJ research file; docs/canonical-format.md's order for canonical
  tables), lineage columns (source_*) left out, NULL as '', joined with '|':
      md5('|'.join(fields))      (orchestration/lib/keys.py: row_hash)
  The columns are read from the warehouse at run time, so a column added to a format is in the
  hash without editing this macro.
-#}
{% macro staged_row_hash(relation) -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- if not col.name.lower().startswith('source_') -%}
                {%- if parts -%}{%- do parts.append("'|'") -%}{%- endif -%}
                {%- do parts.append("coalesce(cast(" ~ adapter.quote(col.name) ~ " as " ~ dbt.type_string() ~ "), '')") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if parts -%}
        {{ dbt.hash(dbt.concat(parts)) }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
