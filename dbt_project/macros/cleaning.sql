{#-
  clean_text(col): how every staged text cell is read, DOJ and canonical alike (text, codes and
  dates: the date macros read their column through it too).
    1. runs of whitespace (tabs, newlines, repeated spaces) become one space;
    2. the text is trimmed;
    3. a placeholder, a cell that says "no value" in one of the spellings real extracts use,
       becomes empty (docs/placeholders.md lists each spelling and where it comes from):
         - dashes only, with any spaces around or between them: `-`, ` - `, `  -  `, `--`, `- -`
           (a value containing a dash, `11360(A) HS-GIVE/ETC`, is untouched);
         - NULL, N/A, #N/A, in any letter case;
    4. an empty text is NULL.
  So a placeholder is exactly a blank cell: a NULL text, a `missing` date, no offense text.
  The pattern is anchored on the whole (trimmed) cell and has no backslash, no single quote and
  no case flag, so it reads alike on DuckDB (RE2), PostgreSQL (ARE) and Spark (java.util.regex).
-#}
{% macro clean_text(col) -%}
    {#- a pattern with a backslash lives in a set block (a Jinja string literal would read it) -#}
    {%- set whitespace_run -%}\s+{%- endset -%}
    nullif({{ re_replace('trim(' ~ re_replace(col, whitespace_run, ' ') ~ ')', placeholder_pattern(), '') }}, '')
{%- endmacro %}

{#- The placeholder spellings as one anchored pattern (over a trimmed, space-collapsed cell). -#}
{% macro placeholder_pattern() -%}
^(?:-[- ]*|[Nn][Uu][Ll][Ll]|[Nn]/[Aa]|#[Nn]/[Aa])$
{%- endmacro %}
