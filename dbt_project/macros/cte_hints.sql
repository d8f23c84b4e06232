{#-
  dbt.listagg on DuckDB, fast. DuckDB's ordered string_agg sorts inside every group and was the
  whole cost of int_program_charges_scoped (9.5 s at 100,000 rows, 14.9 s of aggregate-operator
  time). Collecting an unordered list of (keys, value) and sorting each small list gives the same
  text (NULL values skipped, NULL keys last, NULL when no value) in a fraction of the time. An
  ORDER BY of plain ascending columns is rewritten (`order by a, b`: a struct of a's NULL flag,
  a, b's NULL flag, b, then the value, sorted field by field); anything else (DESC, an
  expression) is DuckDB's ordered string_agg, as before. Rows whose keys tie are ordered by
  their value here, where string_agg leaves them in any order.
-#}
{% macro duckdb__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set clause = (order_by_clause or '') | trim -%}
    {%- set keys, odd = [], [] -%}
    {%- if clause[:8] | lower == 'order by' -%}
        {%- for term in clause[8:].split(',') -%}
            {%- set key = term | trim -%}
            {%- set key = key[:-4] | trim if key[-4:] | lower == ' asc' else key -%}
            {%- do keys.append(key) -%}
            {#- not a plain column (DESC, an expression, empty): string_agg below -#}
            {%- if not modules.re.fullmatch('[A-Za-z0-9_.]+', key) -%}{%- do odd.append(key) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set simple = keys and not odd -%}
    {%- if simple and not limit_num -%}
        case when count({{ measure }}) > 0 then array_to_string(list_transform(list_sort(
            list(struct_pack(
                {%- for key in keys %}n{{ loop.index0 }} := {{ key }} is null, k{{ loop.index0 }} := {{ key }}, {% endfor -%}
                v := {{ measure }}))
                filter (where {{ measure }} is not null)), x -> x.v), {{ delimiter_text }}) end
    {%- else -%}
        {%- if limit_num -%}{{ exceptions.raise_compiler_error("listagg: limit_num is not used here") }}{%- endif -%}
        string_agg({{ measure }}, {{ delimiter_text }} {{ order_by_clause or '' }})
    {%- endif -%}
{%- endmacro %}

{#-
  listagg over a small whole-number position (a condition's condition_seq, a rule's
  rule_order), at most one value per position in each group: `seq_listagg('fact', 'condition_seq',
  "'; '")` is dbt.listagg(fact, '; ', 'order by condition_seq'), with the same text (NULL values
  skipped, NULL when no value). On DuckDB it is one any_value() per position (the position's
  one value; ~40% cheaper than max(), which compares) joined by concat_ws: plain aggregates,
  which spill to disk under the memory limit, where a list or string_agg state per group does
  not (int_program_charges_scoped ran out of a 2 GB limit at 1,000,000 rows with three of them
  over ~3M groups). The positions run up to the rulebook's largest, read when the model runs
  (16 before the rulebook exists, e.g. in unit tests).
-#}
{% macro seq_listagg(measure, seq, delimiter_text, max_from='condition_seq') -%}
    {{ return(adapter.dispatch('seq_listagg')(measure, seq, delimiter_text, max_from)) }}
{%- endmacro %}

{% macro default__seq_listagg(measure, seq, delimiter_text, max_from) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ seq) }}
{%- endmacro %}

{% macro duckdb__seq_listagg(measure, seq, delimiter_text, max_from) -%}
    {%- set n = rulebook_max_position(max_from) -%}
    nullif(concat_ws({{ delimiter_text }}
    {%- for i in range(0, n + 1) %},
        any_value({{ measure }}) filter (where {{ seq }} = {{ i }})
    {%- endfor %}), '')
{%- endmacro %}

{#- The largest condition_seq (or rule_order) of the compiled rulebook: exactly that, since each
    position is one aggregate over every group (at 1M rows, 17 positions where the rulebook has
    5 made the scope model's aggregate ~3x slower). 16 when the rulebook is not built yet (dbt
    compile on an empty warehouse, or a unit test, whose fixtures stay below it). -#}
{% macro rulebook_max_position(column) -%}
    {%- set unknown = 16 -%}
    {%- if not execute -%}{{ return(unknown) }}{%- endif -%}
    {%- set model = 'stg_rules__conditions' if column == 'condition_seq' else 'stg_rules__rules' -%}
    {%- if load_relation(ref(model)) is none -%}{{ return(unknown) }}{%- endif -%}
    {%- set rows = run_query("select max(" ~ column ~ ") from " ~ ref(model)) -%}
    {%- set found = rows.columns[0].values()[0] -%}
    {{ return((found or 0) | int) }}
{%- endmacro %}
