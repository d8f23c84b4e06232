-- What the charge-code normalizer could not read as a full statute, with how many records each
-- affects: the work list for whoever extends the normalizer or reviews charges by hand.
-- One row per offense text whose parse_status is not 'parsed', plus one row (offense_text NULL,
-- parse_status 'missing') for the records with no offense text at all.
with events as (
    -- Only the two columns the counts need.
    select
        offense_text,
        is_conviction_row
    from {{ ref('stg_doj__events') }}
),

records_per_text as (
    -- Count per text; NULL texts group together into the 'missing' row.
    select
        offense_text,
        count(*) as records,
        sum(case when is_conviction_row then 1 else 0 end) as conviction_records
    from events
    group by offense_text
),

normalized as (
    -- The parse result per text (one row per distinct non-null text).
    select
        offense_text,
        code_token,
        section_key,
        parse_status,
        parse_note
    from {{ ref('int_charge_codes_normalized') }}
)

-- Keep the texts that did not parse fully, and the missing-text row.
select
    r.offense_text,
    case when r.offense_text is null then 'missing' else n.parse_status end as parse_status,
    case
        when r.offense_text is null
            then 'no charge text (CONV_OFFENSE_DESCR, OFFENSE_DESCR and COMMENT_TEXT all blank)'
        else n.parse_note
    end as parse_note,
    n.code_token,
    n.section_key,
    r.records,
    r.conviction_records
from records_per_text as r
left join normalized as n on n.offense_text = r.offense_text
where r.offense_text is null
    or n.parse_status <> 'parsed'
