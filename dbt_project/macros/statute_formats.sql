{#-
  How each state writes its statutes: the seed `statute_formats` (seeds/statute_formats.csv, one
  row per jurisdiction; its columns are documented in seeds/_seeds.yml) read by the statute
  normalizer int_statutes_normalized. Adding a state is a row of that file, no SQL.

  The normalizer reads the seed when it is compiled (dbt build loads the seed first), and each
  row's pattern goes into its SQL as a literal, through re_extract / re_matches / re_replace
  (macros/charge_codes.sql), as patterns always did: DuckDB compiles a pattern that is a column
  value again for every row (100,000 texts: 78 s against 0.2 s with a literal pattern).

  statute_formats()  -> the seed's rows as dicts (jurisdiction, pattern, code, section,
                        subdivisions, subdivisions_case, subdivisions_spaces), checked: a row that
                        would make bad SQL stops the build naming the row and the column.
  statute_template_sql(template, text, pattern) -> SQL for a code / section / subdivisions
                        template: `{n}` is capture group n of the pattern's first match in the
                        text ('' when it did not match or the group is empty), anything else is
                        literal text: `{2}-{3}` is group 2, a dash, group 3.
-#}

{% macro statute_formats() -%}
    {#- ref() first, so dbt records the dependency when it parses the model -#}
    {%- set seed = ref('statute_formats') -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- if seed.is_cte -%}
        {#- A dbt unit test: ref() is the test's fixture, a CTE with nothing to query. The formats
            are the seed as loaded into the warehouse: in the target schema, as seeds/ sets no
            schema (tests/unit/test_statute_formats.py checks that it does not). -#}
        {%- set seed = api.Relation.create(database=none if target.type == 'spark' else target.database,
                                           schema=target.schema, identifier='statute_formats') -%}
    {%- endif -%}
    {%- if load_relation(seed) is none -%}
        {{ exceptions.raise_compiler_error(
            "The statute formats are not in the warehouse (" ~ seed ~ "): `dbt build` loads the seed"
            ~ " statute_formats before the models; with `dbt run`, run `dbt seed` first.") }}
    {%- endif -%}
    {%- set columns = ['jurisdiction', 'pattern', 'code', 'section', 'subdivisions',
                       'subdivisions_case', 'subdivisions_spaces'] -%}
    {%- set table = run_query('select ' ~ columns | join(', ') ~ ' from ' ~ seed ~ ' order by jurisdiction') -%}
    {%- set formats = [] -%}
    {%- for row in table.rows -%}
        {%- set f = {} -%}
        {%- for c in columns -%}
            {%- do f.update({c: '' if row[c] is none else row[c] | string}) -%}
        {%- endfor -%}
        {%- set where = "statute_formats.csv, jurisdiction " ~ f.jurisdiction ~ ": " -%}
        {%- if not modules.re.fullmatch('US-[A-Z]{2}', f.jurisdiction) -%}
            {{ exceptions.raise_compiler_error(where ~ "jurisdiction must be US-<state>, e.g. US-UT") }}
        {%- endif -%}
        {%- if f.jurisdiction == 'US-CA' -%}
            {{ exceptions.raise_compiler_error(where ~ "California charge texts have their own parser (int_charge_codes_normalized)") }}
        {%- endif -%}
        {%- for c in ['pattern', 'code', 'section', 'subdivisions'] if "'" in f[c] -%}
            {{ exceptions.raise_compiler_error(where ~ c ~ " may not contain a single quote (it is an SQL literal)") }}
        {%- endfor -%}
        {%- for c in ['pattern', 'code', 'section'] if not f[c] -%}
            {{ exceptions.raise_compiler_error(where ~ c ~ " is empty") }}
        {%- endfor -%}
        {%- if f.subdivisions_case not in ('lower', 'as_written') -%}
            {{ exceptions.raise_compiler_error(where ~ "subdivisions_case must be lower or as_written, not '" ~ f.subdivisions_case ~ "'") }}
        {%- endif -%}
        {%- if f.subdivisions_spaces not in ('removed', 'kept') -%}
            {{ exceptions.raise_compiler_error(where ~ "subdivisions_spaces must be removed or kept, not '" ~ f.subdivisions_spaces ~ "'") }}
        {%- endif -%}
        {%- do formats.append(f) -%}
    {%- endfor -%}
    {{ return(formats) }}
{%- endmacro %}

{% macro statute_template_sql(template, text, pattern) -%}
    {%- set parts = [] -%}
    {%- for piece in modules.re.split('([{][0-9]+[}])', template) if piece -%}
        {%- if modules.re.fullmatch('[{][0-9]+[}]', piece) -%}
            {%- do parts.append("coalesce(" ~ re_extract(text, pattern, piece[1:-1] | int) ~ ", '')") -%}
        {%- else -%}
            {%- do parts.append("'" ~ piece ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{- parts | join(' || ') if parts else "''" -}}
{%- endmacro %}
