{{ config(materialized='view') }}
-- The latest review of each reviewed decision, as imported from the review workbooks
-- (`cleanslate review import`; source audit.review_outcomes, append-only). Grain: one row per
-- decision with at least one imported mark, unique on decision_id. Latest = the highest
-- import_seq (the latest import wins). Whether it still applies is a question for the decision
-- as it is now (its decision_digest): rpt_review_throughput asks it. A view: an import shows
-- at once, without a run. orchestration/review/store.py (latest_sql) is the same rule for the
-- exports, `explain` and `trace`.
with ranked as (
    select
        o.*,
        row_number() over (
            partition by o.decision_id order by o.import_seq desc, o.row_seq desc
        ) as pick,
        count(*) over (partition by o.decision_id) as reviews
    from {{ source('audit', 'review_outcomes') }} as o
)

select
    decision_id,
    program,
    charge_key,
    decision_digest as reviewed_digest,
    mark,
    note,
    reviewer,
    imported_at as reviewed_at,
    file_name,
    file_sha256,
    import_id,
    reviews
from ranked
where pick = 1
