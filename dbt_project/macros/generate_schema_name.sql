{#-
  Where a model lands.
  DuckDB (the default, one embedded file): the target schema (main), or the model's custom
  schema as is ("analytics"), not prefixed with the target schema.
  PostgreSQL and Spark (shared servers, roles per layer): one schema per layer, from the
  model's folder: staging, intermediate, marts; a custom schema (analytics, ...) as is.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- elif target.type != 'duckdb' and node.resource_type in ('model', 'seed', 'snapshot')
             and node.fqn | length > 2 and node.fqn[1] in ('staging', 'intermediate', 'marts') -%}
        {{ node.fqn[1] }}
    {%- else -%}
        {{ target.schema }}
    {%- endif -%}
{%- endmacro %}
