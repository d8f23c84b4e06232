-- Compiled rule data (citations), as written by the rulebook asset.
select * from {{ source('rules', 'citations') }}
