-- Compiled rule data (conditions), as written by the rulebook asset.
select * from {{ source('rules', 'conditions') }}
