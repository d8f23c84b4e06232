-- Which convictions are in which code set. is_match is true, or NULL when the charge had a
-- section but no code abbreviation ("11357(A)"): it may or may not be the listed statute.
-- Absence of a row means "not in the set". Matching is by prefix at a subdivision boundary:
-- CA:HS:11357 matches CA:HS:11357(c) but never CA:HS:11357.5.
with members as (
    select
        *,
        split_part(statute, ':', 3) as member_section_and_subdivisions
    from {{ ref('stg_rules__code_set_members') }}
),

convictions as (
    select
        conviction_id,
        statute,
        section_key || coalesce(subdivisions, '') as section_and_subdivisions,
        parse_status,
        is_attempt,
        enhancements
    from {{ ref('int_convictions_assembled') }}
    where parse_status in ('parsed', 'no_code')
),

matched as (
    select
        m.program_id,
        m.code_set,
        c.conviction_id,
        case when c.parse_status = 'parsed' then true end as is_match
    from convictions as c
    inner join members as m
        on (
            case when c.parse_status = 'parsed'
                 then c.statute = m.statute
                      or (m.match_mode = 'prefix' and starts_with(c.statute, m.statute || '('))
                 else c.section_and_subdivisions = m.member_section_and_subdivisions
                      or (m.match_mode = 'prefix'
                          and starts_with(c.section_and_subdivisions, m.member_section_and_subdivisions || '('))
            end
        )
        and (m.attempt = 'include'
             or (m.attempt = 'exclude' and not c.is_attempt)
             or (m.attempt = 'only' and c.is_attempt))
        and (m.with_enhancement is null or position(m.with_enhancement in c.enhancements) > 0)
)

-- A conviction matching two members of a set counts once; a certain match beats a maybe.
select
    program_id,
    code_set,
    conviction_id,
    case when bool_or(is_match) then true end as is_match
from matched
group by program_id, code_set, conviction_id
