{#-
  Loading seeds (seeds/*.csv) on Spark. dbt-spark binds each value into its INSERT, and with the
  `session` method (target spark) a text value arrives as '<value>' with nothing escaped; Spark
  reads a backslash in such a literal as an escape, so the pattern `^\s*([0-9]+)` of
  seeds/statute_formats.csv would arrive as `^s*([0-9]+)` (and an empty cell as the text 'None').
  Here each value is written into the INSERT itself, no bindings, on every method: text as a raw
  literal r'...' (backslashes as written, whatever spark.sql.parser.escapedStringLiterals says),
  or, when it holds a single quote, as '...' with backslash and quote escaped; NULL as null.
  DuckDB and PostgreSQL load the file as written.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- if value is none -%}
                    {%- set literal = 'null' -%}
                {%- elif value is sameas true or value is sameas false -%}
                    {%- set literal = 'true' if value else 'false' -%}
                {%- elif value is number -%}
                    {%- set literal = value | string -%}
                {%- elif "'" not in value | string -%}
                    {%- set literal = "r'" ~ value ~ "'" -%}
                {%- else -%}
                    {%- set literal = "'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'" -%}
                {%- endif -%}
                {%- do values.append('cast(' ~ literal ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values\n' ~ rows | join(',\n') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
