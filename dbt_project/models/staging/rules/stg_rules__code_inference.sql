-- Compiled rule data (code_inference), as written by the rulebook asset: one row per keyword
-- of each entry of rules/<jurisdiction>/code_inference.yaml.
select * from {{ source('rules', 'code_inference') }}
