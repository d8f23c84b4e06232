{#-
  DOJ dates are YYYYMMDD strings, and partial dates are common: `19900000` (year known),
  `20150100` (year and month known). The earlier tool turned them into 0001-01-01. We keep
  each date as a range [earliest, latest] plus a precision, so rules can tell "certainly
  before 2016-11-09" from "cannot say" (needs_review) instead of guessing.
  precision: day | month | year | missing | invalid
-#}
{% macro doj_date_precision(col) -%}
    {%- set t = 'trim(' ~ col ~ ')' -%}
    case
        when nullif({{ t }}, '') is null then 'missing'
        {#- no part of the date known (the partial-date convention taken to its end): missing -#}
        when {{ t }} = '00000000' then 'missing'
        when not {{ re_full_match(t, '(19|20)[0-9]{6}') }} then 'invalid'
        when substr({{ t }}, 5, 4) = '0000' then 'year'
        when substr({{ t }}, 5, 2) = '00' then 'invalid'
        when substr({{ t }}, 7, 2) = '00'
            then case when cast(substr({{ t }}, 5, 2) as integer) between 1 and 12
                      then 'month' else 'invalid' end
        when {{ try_parse_date(t, '%Y%m%d') }} is null then 'invalid'
        else 'day'
    end
{%- endmacro %}

{% macro doj_date_earliest(col) -%}
    {%- set t = 'trim(' ~ col ~ ')' -%}
    case {{ doj_date_precision(col) }}
        when 'day' then {{ try_parse_date(t, '%Y%m%d') }}
        when 'month' then {{ try_parse_date('substr(' ~ t ~ ", 1, 6) || '01'", '%Y%m%d') }}
        when 'year' then {{ try_parse_date('substr(' ~ t ~ ", 1, 4) || '0101'", '%Y%m%d') }}
    end
{%- endmacro %}

{% macro doj_date_latest(col) -%}
    {%- set t = 'trim(' ~ col ~ ')' -%}
    case {{ doj_date_precision(col) }}
        when 'day' then {{ try_parse_date(t, '%Y%m%d') }}
        when 'month' then {{ month_end(try_parse_date('substr(' ~ t ~ ", 1, 6) || '01'", '%Y%m%d')) }}
        when 'year' then {{ try_parse_date('substr(' ~ t ~ ", 1, 4) || '1231'", '%Y%m%d') }}
    end
{%- endmacro %}

{#- The exact date, only when the day is known: never a made-up day. -#}
{% macro doj_date_exact(col) -%}
    case when {{ doj_date_precision(col) }} = 'day'
         then {{ try_parse_date('trim(' ~ col ~ ')', '%Y%m%d') }} end
{%- endmacro %}

{#-
  Canonical-format dates are ISO: YYYY-MM-DD, or partial YYYY-MM / YYYY. Same range-and-precision
  treatment as DOJ dates. The text is read through clean_text (macros/cleaning.sql): a placeholder
  (`-`, `NULL`, ...) is a missing date, not an invalid one.
-#}
{% macro iso_date_precision(col) -%}
    {%- set t = clean_text(col) -%}
    case
        when {{ t }} is null then 'missing'
        when {{ re_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then case when {{ try_parse_date(t, '%Y-%m-%d') }} is null then 'invalid' else 'day' end
        when {{ re_full_match(t, '[0-9]{4}-[0-9]{2}') }}
            then case when {{ try_parse_date(t ~ " || '-01'", '%Y-%m-%d') }} is null then 'invalid' else 'month' end
        when {{ re_full_match(t, '[0-9]{4}') }} then 'year'
        else 'invalid'
    end
{%- endmacro %}

{% macro iso_date_earliest(col) -%}
    {%- set t = clean_text(col) -%}
    case {{ iso_date_precision(col) }}
        when 'day' then {{ try_parse_date(t, '%Y-%m-%d') }}
        when 'month' then {{ try_parse_date(t ~ " || '-01'", '%Y-%m-%d') }}
        when 'year' then {{ try_parse_date(t ~ " || '-01-01'", '%Y-%m-%d') }}
    end
{%- endmacro %}

{% macro iso_date_latest(col) -%}
    {%- set t = clean_text(col) -%}
    case {{ iso_date_precision(col) }}
        when 'day' then {{ try_parse_date(t, '%Y-%m-%d') }}
        when 'month' then {{ month_end(try_parse_date(t ~ " || '-01'", '%Y-%m-%d')) }}
        when 'year' then {{ try_parse_date(t ~ " || '-12-31'", '%Y-%m-%d') }}
    end
{%- endmacro %}

{#- All four at once: <alias>_raw, _earliest, _latest, _precision. -#}
{% macro iso_date_columns(col, alias) -%}
    {{ clean_text(col) }} as {{ alias }}_raw,
    {{ iso_date_earliest(col) }} as {{ alias }}_earliest,
    {{ iso_date_latest(col) }} as {{ alias }}_latest,
    {{ iso_date_precision(col) }} as {{ alias }}_precision
{%- endmacro %}
