{#-
  Engine set-up that runs with every dbt invocation (dbt_project.yml on-run-start / on-run-end).
  Each macro does nothing on engines it does not concern.
-#}

{#-
  Spark: the loader (orchestration/engines.py, SparkEngine) lands each source table as Parquet
  files under CLEANSLATE_SPARK_LANDING/<schema>/<table>/; register them as external tables of
  the metastore (re-created each run, so a changed file schema is read anew).
-#}
{% macro register_landed_sources() -%}
    {{ return(adapter.dispatch('register_landed_sources')()) }}
{%- endmacro %}

{% macro default__register_landed_sources() -%}{%- endmacro %}

{% macro spark__register_landed_sources() -%}
    {%- if execute -%}
        {%- set root = env_var('CLEANSLATE_SPARK_DIR', '../data/spark') -%}
        {%- set landing = env_var('CLEANSLATE_SPARK_LANDING', root ~ '/landing') -%}
        {%- set sources = graph.sources.values() | selectattr('schema', 'in', landed_schemas())
                          | sort(attribute='unique_id') | list -%}
        {%- for schema in sources | map(attribute='schema') | unique -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in sources -%}
            {%- set relation = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query('create table ' ~ relation ~ " using parquet location '"
                             ~ landing ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- The schemas the loader writes (everything else is dbt's). -#}
{% macro landed_schemas() -%}
    {{ return(['raw', 'rules']) }}
{%- endmacro %}

{#-
  Grants (PostgreSQL). Each model's SELECT grants are its `grants` config (dbt_project.yml: the
  analyst role on the pseudonymous marts, the auditor role on the decisions and their lineage),
  which dbt applies and revokes itself. A role also needs USAGE on the model's schema: granted
  here, after the run, for every schema holding a model that grants the role anything.
-#}
{% macro grant_schema_usage() -%}
    {{ return(adapter.dispatch('grant_schema_usage')()) }}
{%- endmacro %}

{% macro default__grant_schema_usage() -%}{%- endmacro %}

{% macro postgres__grant_schema_usage() -%}
    {%- if execute -%}
        {%- set usage = {} -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- for grantees in (node.config.grants or {}).values() -%}
                {%- for role in ([grantees] if grantees is string else grantees) -%}
                    {%- do usage.setdefault(node.schema, []).append(role) -%}
                {%- endfor -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for schema, roles in usage.items() | sort -%}
            {%- do run_query('grant usage on schema ' ~ adapter.quote(schema) ~ ' to '
                             ~ (roles | unique | sort | map('string') | join(', '))) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- `grants` config for PostgreSQL only (DuckDB has no grants; Spark's are the platform's). -#}
{% macro pg_grants(privilege, roles) -%}
    {{ return({privilege: roles} if target.type == 'postgres' else {}) }}
{%- endmacro %}
