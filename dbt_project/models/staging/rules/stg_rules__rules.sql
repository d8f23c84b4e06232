-- Compiled rule data (rules), as written by the rulebook asset.
select * from {{ source('rules', 'rules') }}
