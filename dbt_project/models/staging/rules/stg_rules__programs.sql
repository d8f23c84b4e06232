-- Compiled rule data (programs), as written by the rulebook asset.
select * from {{ source('rules', 'programs') }}
