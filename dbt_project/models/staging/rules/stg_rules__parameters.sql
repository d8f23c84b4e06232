-- Compiled rule data (parameters), as written by the rulebook asset.
select * from {{ source('rules', 'parameters') }}
