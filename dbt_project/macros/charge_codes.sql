{#-
  Regular-expression helpers for the charge-code normalizer (int_charge_codes_normalized).

  The normalizer is written against these four macros only, so a port to another warehouse
  (e.g. PostgreSQL) rewrites this file and not the model. Patterns are passed as plain text
  (no quotes) and written for RE2 (DuckDB) / POSIX ARE (PostgreSQL): non-capturing groups
  `(?:...)`, `\s`, no look-around, no back-references in the pattern itself.

  Semantics every port must keep:
    re_extract  -> the text of capture group `group` (0 = whole match) of the FIRST match,
                   NULL when there is no match or the group is empty / did not take part
                   (DuckDB returns '' there; PostgreSQL would return NULL already).
    re_matches  -> true when the pattern matches anywhere in the text (use ^...$ to anchor).
    re_replace  -> replace EVERY match; `\1` in the replacement is capture group 1.
    re_split    -> the text split on the pattern, as an array usable with
                   `cross join unnest(...) with ordinality`.
-#}

{% macro re_extract(text, pattern, group=0) -%}
    nullif(regexp_extract({{ text }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{% macro re_matches(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro re_replace(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro re_split(text, pattern) -%}
    regexp_split_to_array({{ text }}, '{{ pattern }}')
{%- endmacro %}
