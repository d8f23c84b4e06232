-- A table, not a view like the other staging models: six models and a dozen tests read it, and
-- as a view each of them re-ran the text cleaning and date parsing over every record.
{{ config(materialized='table') }}
-- One row per staged DOJ record (a count-level event of a step of an arrest cycle).
-- Renames and types the columns the rules read; no filtering, no joins.
-- Every column goes through clean_text (macros/cleaning.sql): whitespace runs collapsed, trimmed,
-- placeholders (`-`, `  -  `, `NULL`, ...; docs/placeholders.md) empty, then NULL.
with source as (
    select * from {{ source('raw', 'doj_extract') }}
),

cleaned as (
    select
        source_file,
        source_line,
        source_sha256,
        {{ clean_text(adapter.quote('SUBJECT_ID')) }} as subject_id,
        {{ clean_text(adapter.quote('CII_NUMBER')) }} as cii_number,
        {{ clean_text(adapter.quote('PRI_NAME')) }} as person_name,
        upper({{ clean_text(adapter.quote('GENDER')) }}) as gender,
        upper({{ clean_text(adapter.quote('RACE_DESCR')) }}) as race,
        {{ clean_text(adapter.quote('PRI_DOB')) }} as dob_raw,
        {{ clean_text(adapter.quote('CYC_DATE')) }} as cycle_date_raw,
        {{ clean_text(adapter.quote('STP_EVENT_DATE')) }} as event_date_raw,
        upper({{ clean_text(adapter.quote('STP_TYPE_DESCR')) }}) as step_type,
        {{ clean_text(adapter.quote('STP_ORI_DESCR')) }} as agency,
        -- Counties compare case- and space-insensitively ("San  Joaquin" = "SAN JOAQUIN").
        upper({{ clean_text(adapter.quote('STP_ORI_CNTY_NAME')) }}) as county,
        {{ clean_text(adapter.quote('CNT_ORDER')) }} as cnt_order,
        {{ clean_text(adapter.quote('OFN')) }} as case_number,
        {{ clean_text(adapter.quote('OFFENSE_DESCR')) }} as offense_descr,
        upper({{ clean_text(adapter.quote('OFFENSE_TOC')) }}) as offense_toc,
        {{ clean_text(adapter.quote('CONV_OFFENSE_DESCR')) }} as conv_offense_descr,
        {{ clean_text(adapter.quote('COMMENT_TEXT')) }} as comment_text,
        upper({{ clean_text(adapter.quote('DISP_DESCR')) }}) as disposition,
        upper({{ clean_text(adapter.quote('CONV_STAT_DESCR')) }}) as conviction_status,
        upper({{ clean_text(adapter.quote('SENT_LOC_DESCR')) }}) as sentence_location,
        {{ clean_text(adapter.quote('SENT_LENGTH')) }} as sentence_length_raw,
        upper({{ clean_text(adapter.quote('SENT_TIME_CODE')) }}) as sentence_unit
    from source
),

offense_candidates as (
    -- The texts the charge code may be read from, in order: the convicted offense, the charged
    -- offense (not when it says SEE COMMENT FOR CHARGE), and the comment only when the charged
    -- offense is blank or says SEE COMMENT FOR CHARGE (ca-doj-research-file.md 3.1: otherwise a
    -- comment is free text about something else).
    select
        *,
        case when upper(offense_descr) <> 'SEE COMMENT FOR CHARGE' then offense_descr end as offense_candidate,
        case when offense_descr is null or upper(offense_descr) = 'SEE COMMENT FOR CHARGE'
             then comment_text end as comment_candidate
    from cleaned
),

offense_picked as (
    -- The first candidate that reads as a statute (reads_as_statute: the normalizer's own layout
    -- patterns, macros/statute_text.sql), so a convicted offense that holds no statute (`-` was
    -- one before placeholders were empty; `SEE ATTACHED`) does not hide a readable charged
    -- offense. When none reads, the first one present, so the unread text is still shown (run
    -- gate offense_text_unread, rpt_charge_codes_unparsed).
    select
        *,
        case
            when {{ reads_as_statute('conv_offense_descr') }} then 'CONV_OFFENSE_DESCR'
            when {{ reads_as_statute('offense_candidate') }} then 'OFFENSE_DESCR'
            when {{ reads_as_statute('comment_candidate') }} then 'COMMENT_TEXT'
            when conv_offense_descr is not null then 'CONV_OFFENSE_DESCR'
            when offense_candidate is not null then 'OFFENSE_DESCR'
            when comment_candidate is not null then 'COMMENT_TEXT'
        end as offense_text_column
    from offense_candidates
)

select
    source_file,
    source_line,
    source_sha256,
    subject_id,
    cii_number,
    person_name,
    gender,
    race,
    dob_raw,
    {{ doj_date_earliest('dob_raw') }} as dob_earliest,
    {{ doj_date_latest('dob_raw') }} as dob_latest,
    {{ doj_date_precision('dob_raw') }} as dob_precision,
    cycle_date_raw,
    {{ doj_date_earliest('cycle_date_raw') }} as cycle_date_earliest,
    {{ doj_date_latest('cycle_date_raw') }} as cycle_date_latest,
    {{ doj_date_precision('cycle_date_raw') }} as cycle_date_precision,
    event_date_raw,
    {{ doj_date_exact('event_date_raw') }} as event_date,
    {{ doj_date_earliest('event_date_raw') }} as event_date_earliest,
    {{ doj_date_latest('event_date_raw') }} as event_date_latest,
    {{ doj_date_precision('event_date_raw') }} as event_date_precision,
    step_type,
    agency,
    county,
    cnt_order,
    -- CNT_ORDER is CCCSSSNNN000: cycle, step, count. Shorter values are kept, not fatal.
    case when {{ re_full_match('cnt_order', '[0-9]{12}') }} then substr(cnt_order, 1, 3) end as cycle_order,
    case when {{ re_full_match('cnt_order', '[0-9]{12}') }} then substr(cnt_order, 1, 6) end as court_step_key,
    case_number,
    offense_descr,
    offense_toc,
    conv_offense_descr,
    comment_text,
    -- The text the charge code is read from: the first DOJ column holding a readable statute
    -- (convicted offense, charged offense, comment for SEE COMMENT FOR CHARGE), and which one.
    case offense_text_column
        when 'CONV_OFFENSE_DESCR' then conv_offense_descr
        when 'OFFENSE_DESCR' then offense_candidate
        when 'COMMENT_TEXT' then comment_candidate
    end as offense_text,
    offense_text_column,
    disposition,
    coalesce(disposition like 'CONVICTED%', false) as is_conviction_row,
    conviction_status,
    -- Offense level: CONV_STAT_DESCR when present, else the charge's type of charge (TOC).
    case
        when conviction_status = 'FELONY' then 'felony'
        when conviction_status = 'MISDEMEANOR' then 'misdemeanor'
        when conviction_status = 'INFRACTION' then 'infraction'
        when conviction_status is not null then null
        when offense_toc = 'F' then 'felony'
        when offense_toc = 'M' then 'misdemeanor'
        when offense_toc = 'I' then 'infraction'
    end as offense_level,
    case
        when conviction_status in ('FELONY', 'MISDEMEANOR', 'INFRACTION') then 'CONV_STAT_DESCR'
        when conviction_status is not null then null
        when offense_toc in ('F', 'M', 'I') then 'OFFENSE_TOC'
    end as offense_level_column,
    sentence_location,
    {{ try_cast_as('sentence_length_raw', 'integer') }} as sentence_length,
    sentence_unit,
    case when sentence_unit = 'D' then {{ try_cast_as('sentence_length_raw', 'integer') }} else 0 end as sentence_days,
    case when sentence_unit = 'M' then {{ try_cast_as('sentence_length_raw', 'integer') }} else 0 end as sentence_months,
    case when sentence_unit = 'Y' then {{ try_cast_as('sentence_length_raw', 'integer') }} else 0 end as sentence_years
from offense_picked
