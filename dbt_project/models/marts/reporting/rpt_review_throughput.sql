{{ config(materialized='view') }}
-- The prosecutor's review, how far it has got: per law, county and determination, how many
-- decisions there are, how many carry a review that still applies (agreed, disagreed, more
-- information asked), how many were reviewed but have changed since, and how many wait.
-- Grain: one row per program, county and determination of fct_decisions. A view: an import
-- (`cleanslate review import`) shows at once.
with decisions as (
    select decision_id, program, county, determination, decision_digest
    from {{ ref('fct_decisions') }}
),

reviews as (
    select decision_id, reviewed_digest, mark, reviewed_at
    from {{ ref('int_review_latest') }}
),

reviewed as (
    select
        d.program,
        d.county,
        d.determination,
        case
            when r.decision_id is null then 'unreviewed'
            when r.reviewed_digest = d.decision_digest then 'applies'
            else 'changed'
        end as review_state,
        r.mark,
        r.reviewed_at
    from decisions as d
    left join reviews as r on r.decision_id = d.decision_id
)

select
    program,
    county,
    determination,
    count(*) as decisions,
    count(case when review_state = 'applies' then 1 end) as reviewed,
    count(case when review_state = 'applies' and mark = 'agree' then 1 end) as agreed,
    count(case when review_state = 'applies' and mark = 'disagree' then 1 end) as disagreed,
    count(case when review_state = 'applies' and mark = 'needs_more_information' then 1 end)
        as needs_more_information,
    count(case when review_state = 'changed' then 1 end) as changed_since_review,
    count(case when review_state <> 'applies' then 1 end) as pending,
    count(
        case
            when determination = 'eligible' and review_state = 'applies'
                 and mark in ('disagree', 'needs_more_information') then 1
        end
    ) as reviewed_out,
    max(case when review_state = 'applies' then reviewed_at end) as last_reviewed_at
from reviewed
group by program, county, determination
