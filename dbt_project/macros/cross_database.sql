{#-
  One dbt project, three engines: DuckDB (target dev, the default), PostgreSQL (pg, 15 or later)
  and Apache Spark (spark / spark_thrift, 4.x). The models are written once; every construct
  whose spelling or meaning differs between the engines goes through a macro here (or one of
  dbt's own cross-database macros: dbt.dateadd, dbt.listagg, dbt.type_string, ...), dispatched
  on the adapter: `duckdb__x` keeps the SQL the DuckDB warehouse always ran, `postgres__x` and
  `spark__x` give the same answers there. The integration test tests/integration/
  test_engines.py builds the same extracts on all three and compares the decision tables.

  Semantics every implementation keeps (DuckDB's, which the tests were written against):
    try_parse_date(text, fmt)   the date, or NULL for text that is not a real calendar date;
                                fmt is '%Y%m%d' or '%Y-%m-%d' (callers check the digit shape)
    month_end(date)             the last day of the date's month
    text_starts_with(a, b)      a begins with b (NULL if either is NULL)
    first_by(value, key)        aggregate: the first non-NULL value in key order
    sha256_hex(text)            lower-case hex SHA-256 of the text's UTF-8 bytes
    try_cast_as(text, type)     integer (rounded, like DuckDB), decimal(p,s) or double; NULL
                                when the text is not a number or does not fit
    type_double()               an 8-byte float type
    double_to_text(x)           a double as DuckDB prints it (5.0, 2.5)
    star_except(relation, cols, alias)   alias.* without cols (columns read from the warehouse)
  Ordering: NULLs sort last in every ORDER BY (DuckDB's default; PostgreSQL puts them first in
  DESC order and Spark first in ASC order), so ORDER BY clauses on nullable keys say NULLS LAST,
  and ordered aggregates go through dbt.listagg (spark__listagg below keeps the order).
  Text compares byte-wise: the PostgreSQL database uses the C collation (scripts/postgres.sh).
-#}

{#- ---------------------------------------- dates -#}
{% macro try_parse_date(text, fmt) -%}
    {{ return(adapter.dispatch('try_parse_date')(text, fmt)) }}
{%- endmacro %}

{% macro default__try_parse_date(text, fmt) -%}
    cast(try_strptime({{ text }}, '{{ fmt }}') as date)
{%- endmacro %}

{% macro spark__try_parse_date(text, fmt) -%}
    try_to_date({{ text }}, '{{ fmt | replace("%Y", "yyyy") | replace("%m", "MM") | replace("%d", "dd") }}')
{%- endmacro %}

{#- PostgreSQL's to_date raises on 2015-02-31: check the calendar first (CASE keeps the order). -#}
{% macro postgres__try_parse_date(text, fmt) -%}
    {%- if fmt == '%Y%m%d' -%}
        {%- set shape, y, m, d = '^[0-9]{8}$', 'substr(_t, 1, 4)', 'substr(_t, 5, 2)', 'substr(_t, 7, 2)' -%}
    {%- elif fmt == '%Y-%m-%d' -%}
        {%- set shape, y, m, d = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'substr(_t, 1, 4)', 'substr(_t, 6, 2)', 'substr(_t, 9, 2)' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("try_parse_date: unsupported format " ~ fmt) }}
    {%- endif -%}
    {%- set t = '(' ~ text ~ ')' -%}
    {%- set yi = 'cast(' ~ y | replace('_t', t) ~ ' as integer)' -%}
    {%- set mi = 'cast(' ~ m | replace('_t', t) ~ ' as integer)' -%}
    {%- set di = 'cast(' ~ d | replace('_t', t) ~ ' as integer)' -%}
    case when {{ t }} ~ '{{ shape }}' then
        case when {{ yi }} >= 1 and {{ mi }} between 1 and 12 then
            case when {{ di }} between 1 and extract(day from (make_date({{ yi }}, {{ mi }}, 1) + interval '1 month' - interval '1 day'))
                 then make_date({{ yi }}, {{ mi }}, {{ di }}) end
        end
    end
{%- endmacro %}

{% macro month_end(date) -%}
    {{ return(adapter.dispatch('month_end')(date)) }}
{%- endmacro %}

{% macro default__month_end(date) -%}
    last_day({{ date }})
{%- endmacro %}

{% macro postgres__month_end(date) -%}
    cast(date_trunc('month', {{ date }}) + interval '1 month' - interval '1 day' as date)
{%- endmacro %}

{#-
  dbt-spark's own dateadd asserts that the date is not NULL (an error at run time); the models
  add to nullable dates on purpose (NULL in, NULL out), so Spark gets a plain date version.
  add_months clamps to the month's end (2016-02-29 + 12 months = 2017-02-28), as DuckDB and
  PostgreSQL do.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- if datepart == 'day' -%}
        date_add(cast({{ from_date_or_timestamp }} as date), cast({{ interval }} as int))
    {%- elif datepart == 'week' -%}
        date_add(cast({{ from_date_or_timestamp }} as date), cast(({{ interval }}) * 7 as int))
    {%- elif datepart in ('month', 'quarter', 'year') -%}
        {%- set months = {'month': 1, 'quarter': 3, 'year': 12}[datepart] -%}
        add_months(cast({{ from_date_or_timestamp }} as date), cast(({{ interval }}) * {{ months }} as int))
    {%- else -%}
        {{ exceptions.raise_compiler_error("dateadd: datepart " ~ datepart ~ " is not supported on Spark here") }}
    {%- endif -%}
{%- endmacro %}

{#- ---------------------------------------- text -#}
{% macro text_starts_with(text, prefix) -%}
    {{ return(adapter.dispatch('text_starts_with')(text, prefix)) }}
{%- endmacro %}

{% macro default__text_starts_with(text, prefix) -%}
    starts_with({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro spark__text_starts_with(text, prefix) -%}
    startswith({{ text }}, {{ prefix }})
{%- endmacro %}

{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch('sha256_hex')(text)) }}
{%- endmacro %}

{% macro default__sha256_hex(text) -%}
    sha256({{ text }})
{%- endmacro %}

{% macro postgres__sha256_hex(text) -%}
    encode(sha256(convert_to({{ text }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__sha256_hex(text) -%}
    sha2({{ text }}, 256)
{%- endmacro %}

{#- ---------------------------------------- aggregates -#}
{% macro first_by(value, key) -%}
    {{ return(adapter.dispatch('first_by')(value, key)) }}
{%- endmacro %}

{#- DuckDB's arg_min skips rows whose value is NULL. -#}
{% macro default__first_by(value, key) -%}
    arg_min({{ value }}, {{ key }})
{%- endmacro %}

{% macro postgres__first_by(value, key) -%}
    (array_agg({{ value }} order by {{ key }}) filter (where {{ value }} is not null))[1]
{%- endmacro %}

{#- min_by ignores rows whose ordering value is NULL: hide the rows whose value is NULL. -#}
{% macro spark__first_by(value, key) -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ key }} end)
{%- endmacro %}

{#-
  Ordered string aggregation on Spark: dbt-spark's listagg drops the ORDER BY (collect_list has
  no order). Spark 4 has LISTAGG ... WITHIN GROUP. NULLs sort last, as on DuckDB.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg: limit_num is not supported on Spark here") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_nulls_last(order_by_clause) }}){% endif %}
{%- endmacro %}

{% macro postgres__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {{ return(dbt.postgres__listagg(measure, delimiter_text,
        order_by_nulls_last(order_by_clause) if order_by_clause else order_by_clause, limit_num)) }}
{%- endmacro %}

{#- `order by a, b desc` -> `order by a nulls last, b desc nulls last` (plain column lists only;
    a clause with parentheses or an explicit NULLS is left as written). -#}
{% macro order_by_nulls_last(order_by_clause) -%}
    {%- set clause = order_by_clause | trim -%}
    {%- set head = modules.re.match('(?i)^order\\s+by\\s+', clause) -%}
    {%- if '(' in clause or 'nulls' in clause | lower or not head -%}
        {{- clause -}}
    {%- else -%}
        {%- set terms = [] -%}
        {%- for term in clause[head.end():].split(',') -%}
            {%- do terms.append(term | trim ~ ' nulls last') -%}
        {%- endfor -%}
        order by {{ terms | join(', ') }}
    {%- endif -%}
{%- endmacro %}

{#- ---------------------------------------- casts and types -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{% macro try_cast_as(text, type) -%}
    {{ return(adapter.dispatch('try_cast_as')(text, type)) }}
{%- endmacro %}

{% macro default__try_cast_as(text, type) -%}
    try_cast({{ text }} as {{ type }})
{%- endmacro %}

{#- DuckDB rounds '12.5' to 13 for an integer; Spark's try_cast gives NULL: round first. -#}
{% macro spark__try_cast_as(text, type) -%}
    {%- if type | lower in ('integer', 'int') -%}
        try_cast(round(try_cast({{ text }} as decimal(38, 10))) as int)
    {%- else -%}
        try_cast({{ text }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL has no try_cast: check the number's shape and range first (CASE keeps the order). -#}
{% macro postgres__try_cast_as(text, type) -%}
    {%- set t = 'trim(' ~ text ~ ')' -%}
    {%- set number_re = '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$' -%}
    {%- set kind = type | lower | replace(' ', '') -%}
    {%- if kind in ('integer', 'int') -%}
        case when {{ t }} ~ '{{ number_re }}' then
            case when abs(round(cast({{ t }} as numeric))) <= 2147483647
                 then cast(round(cast({{ t }} as numeric)) as integer) end
        end
    {%- elif kind.startswith('decimal(') or kind.startswith('numeric(') -%}
        {%- set p, s = kind.split('(')[1].rstrip(')').split(',') -%}
        cast(case when {{ t }} ~ '{{ number_re }}' then
            case when abs(round(cast({{ t }} as numeric), {{ s }})) < 1e{{ p | int - s | int }}
                 then cast({{ t }} as decimal({{ p }}, {{ s }})) end
        end as decimal({{ p }}, {{ s }}))
    {%- elif kind in ('double', 'doubleprecision', 'float8') -%}
        case when {{ t }} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$'
             then cast({{ t }} as double precision) end
    {%- else -%}
        {{ exceptions.raise_compiler_error("try_cast_as: unsupported type " ~ type) }}
    {%- endif -%}
{%- endmacro %}

{% macro double_to_text(value) -%}
    {{ return(adapter.dispatch('double_to_text')(value)) }}
{%- endmacro %}

{% macro default__double_to_text(value) -%}
    cast({{ value }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- PostgreSQL prints 5::float8 as `5`; DuckDB and Spark print `5.0`. -#}
{% macro postgres__double_to_text(value) -%}
    case when {{ value }} = trunc({{ value }}) and abs({{ value }}) < 1e15
         then cast(cast({{ value }} as numeric) as text) || '.0'
         else cast({{ value }} as text) end
{%- endmacro %}

{#- ---------------------------------------- columns -#}
{% macro star_except(relation, except, alias) -%}
    {{ return(adapter.dispatch('star_except')(relation, except, alias)) }}
{%- endmacro %}

{% macro duckdb__star_except(relation, except, alias) -%}
    {{ alias }}.* exclude ({{ except | join(', ') }})
{%- endmacro %}

{% macro default__star_except(relation, except, alias) -%}
    {%- if not execute -%}
        {{ alias }}.*
    {%- else -%}
        {%- set skip = except | map('lower') | list -%}
        {%- set cols = [] -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- if col.name | lower not in skip -%}
                {%- do cols.append(alias ~ '.' ~ adapter.quote(col.name)) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- not built yet (dbt compile on an empty warehouse): all columns -#}
        {{ cols | join(', ') if cols else alias ~ '.*' }}
    {%- endif -%}
{%- endmacro %}
