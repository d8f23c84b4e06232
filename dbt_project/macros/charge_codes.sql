{#-
  Regular-expression helpers for the charge-code normalizer (int_charge_codes_normalized).

  The normalizers are written against these macros only, dispatched per engine (DuckDB: RE2,
  PostgreSQL 15+: ARE, Spark: java.util.regex), so the models run unchanged on all three.
  Patterns are passed as plain text (no quotes; Spark gets a raw literal r'...') and use only
  what the three dialects read alike: non-capturing groups `(?:...)`, `\s`, classes, bounded
  repeats; no look-around, no back-references in the pattern itself, no single quote.

  Semantics every port must keep:
    re_extract  -> the text of capture group `group` (0 = whole match) of the FIRST match,
                   NULL when there is no match or the group is empty / did not take part
                   (DuckDB returns '' there; PostgreSQL would return NULL already).
    re_matches  -> true when the pattern matches anywhere in the text (use ^...$ to anchor).
    re_replace  -> replace EVERY match; `\1` in the replacement is capture group 1.
    re_full_match -> true when the pattern matches the whole text.
    split_to_rows(text, pattern, alias) -> a FROM-clause fragment (after the relation): one row
                   per piece of the text split on the pattern, columns alias.element and
                   alias.position (1-based); no row for a NULL text.
-#}

{% macro re_extract(text, pattern, group=0) -%}
    {{ return(adapter.dispatch('re_extract')(text, pattern, group)) }}
{%- endmacro %}

{% macro default__re_extract(text, pattern, group=0) -%}
    nullif(regexp_extract({{ text }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{% macro postgres__re_extract(text, pattern, group=0) -%}
    nullif(regexp_substr({{ text }}, '{{ pattern }}', 1, 1, '', {{ group }}), '')
{%- endmacro %}

{% macro spark__re_extract(text, pattern, group=0) -%}
    nullif(regexp_extract({{ text }}, r'{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{% macro re_matches(text, pattern) -%}
    {{ return(adapter.dispatch('re_matches')(text, pattern)) }}
{%- endmacro %}

{% macro default__re_matches(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__re_matches(text, pattern) -%}
    ({{ text }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__re_matches(text, pattern) -%}
    ({{ text }} rlike r'{{ pattern }}')
{%- endmacro %}

{% macro re_full_match(text, pattern) -%}
    {{ return(adapter.dispatch('re_full_match')(text, pattern)) }}
{%- endmacro %}

{% macro default__re_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__re_full_match(text, pattern) -%}
    ({{ text }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro spark__re_full_match(text, pattern) -%}
    ({{ text }} rlike r'^(?:{{ pattern }})$')
{%- endmacro %}

{% macro re_replace(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('re_replace')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__re_replace(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark replaces every match already; its replacement names a group `$1`, not `\1`. -#}
{% macro spark__re_replace(text, pattern, replacement) -%}
    regexp_replace({{ text }}, r'{{ pattern }}', r'{{ modules.re.sub("\\\\([0-9])", "$\\1", replacement) }}')
{%- endmacro %}

{% macro split_to_rows(text, pattern, alias) -%}
    {{ return(adapter.dispatch('split_to_rows')(text, pattern, alias)) }}
{%- endmacro %}

{% macro default__split_to_rows(text, pattern, alias) -%}
    cross join unnest(regexp_split_to_array({{ text }}, '{{ pattern }}')) with ordinality as {{ alias }} (element, position)
{%- endmacro %}

{% macro spark__split_to_rows(text, pattern, alias) -%}
    lateral view inline(
        transform(split({{ text }}, r'{{ pattern }}'), (v, i) -> named_struct('element', v, 'position', i + 1))
    ) {{ alias }} as element, position
{%- endmacro %}
