{#-
  audit.review_outcomes: the prosecutor's marks imported from review workbooks (`cleanslate
  review import`, orchestration/review/store.py, same columns). Append-only: one row per mark
  imported, every import kept. int_review_latest reads it, so it must exist (empty) before the
  first build of a fresh warehouse: every dbt invocation creates it when it is missing
  (on-run-start in dbt_project.yml). dbt never writes or drops it. Cross-database types.
-#}
{% macro create_review_outcomes_table() -%}
create table if not exists {{ api.Relation.create(schema='audit', identifier='review_outcomes') }} (
    import_id {{ dbt.type_string() }},
    import_seq {{ dbt.type_bigint() }},
    row_seq {{ dbt.type_int() }},
    decision_id {{ dbt.type_string() }},
    program {{ dbt.type_string() }},
    charge_key {{ dbt.type_string() }},
    decision_digest {{ dbt.type_string() }},
    mark {{ dbt.type_string() }},
    note {{ dbt.type_string() }},
    reviewer {{ dbt.type_string() }},
    file_name {{ dbt.type_string() }},
    file_sha256 {{ dbt.type_string() }},
    sheet {{ dbt.type_string() }},
    sheet_row {{ dbt.type_int() }},
    imported_at {{ dbt.type_timestamp() }}
)
{%- endmacro %}
