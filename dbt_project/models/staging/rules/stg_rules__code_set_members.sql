-- Compiled rule data (code_set_members), as written by the rulebook asset.
select * from {{ source('rules', 'code_set_members') }}
