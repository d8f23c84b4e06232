{#-
  The earlier Prop 64 tool's "Possible Other P64 Charges" (../shared/docs/ca-doj-research-file.md
  section 3.4), for exp_gogen_research_rows: the record's COMMENT_TEXT when it names a Prop 64
  charge (H&S 11357-11360) that its OFFENSE_DESCR does not, else ''.

  A section is 11357, 11358, 11359 or 11360 not preceded by a digit or a dot and not followed by a
  digit or a dot and a digit (11357.5, 11359.5, 111357, 113570 are not Prop 64), the first such
  in the text (so `664-11357(C) HS` reads as 11357). For 11357 the subsection is the letter A-D
  of `11357(x)` or right after `11357` (not followed by another letter); (A, B) and (C, D) are
  one group each. Written with the regular-expression macros of charge_codes.sql (no
  look-around), so it runs on DuckDB, PostgreSQL and Spark alike.
-#}


{#- The first Prop 64 section in `text`, NULL when none. -#}
{% macro gogen_prop64_section(text) -%}
    {{ re_extract(text, '(?:^|[^0-9.])(1135[789]|11360)(?:$|[^0-9.]|[.]$|[.][^0-9])', 1) }}
{%- endmacro %}

{#- The 11357 subsection letter (upper case) of the first Prop 64 section of `text` when that is
    11357, NULL otherwise. The first 11357 match is found again by its text: an earlier copy of
    the same text would itself be a match, so the position is the match's. -#}
{% macro gogen_11357_subsection(text) -%}
    {%- set m = re_extract(text, '(?:^|[^0-9.])11357(?:$|[^0-9.]|[.]$|[.][^0-9])', 0) -%}
    {%- set rest = 'substr(' ~ text ~ ', ' ~ dbt.position(m, text) ~ ')' -%}
    upper(coalesce(
        {{ re_extract(rest, '^[^0-9.]?11357\\s*[(]\\s*([A-Da-d])\\s*[)]', 1) }},
        {{ re_extract(rest, '^[^0-9.]?11357([A-Da-d])(?:$|[^A-Za-z])', 1) }}
    ))
{%- endmacro %}

{% macro gogen_possible_other_p64(offense, comment) -%}
    {%- set o = 'coalesce(' ~ offense ~ ", '')" -%}
    {%- set c = 'coalesce(' ~ comment ~ ", '')" -%}
    case
        when not {{ re_matches(c, '1135[789]|11360') }} then ''
        when {{ re_full_match('upper(' ~ o ~ ')', '\\s*(?:SEE COMMENT FOR CHARGE)?\\s*') }} then ''
        when {{ gogen_prop64_section(c) }} is null then ''
        when {{ gogen_prop64_section(o) }} is null then {{ c }}
        when {{ gogen_prop64_section(o) }} <> {{ gogen_prop64_section(c) }} then {{ c }}
        when {{ gogen_prop64_section(c) }} <> '11357' then ''
        when {{ gogen_11357_subsection(c) }} is null then ''
        when {{ gogen_11357_subsection(o) }} is null then {{ c }}
        when (case when {{ gogen_11357_subsection(o) }} in ('A', 'B') then 'AB' else 'CD' end)
            <> (case when {{ gogen_11357_subsection(c) }} in ('A', 'B') then 'AB' else 'CD' end)
            then {{ c }}
        else ''
    end
{%- endmacro %}
