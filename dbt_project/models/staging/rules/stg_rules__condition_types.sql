-- The condition catalog (orchestration/rules/conditions/), as written by the rulebook asset:
-- one row per condition type.
select * from {{ source('rules', 'condition_types') }}
