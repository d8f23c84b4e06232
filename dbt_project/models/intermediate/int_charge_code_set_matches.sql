-- Which charges are in which code set. is_match is true, or NULL when the charge had a section
-- but no code abbreviation ("11357(A)"): it may or may not be the listed statute.
-- Absence of a row means "not in the set". Matching (match_mode):
--   prefix      at a subdivision or chapter boundary: CA:HS:11357 matches CA:HS:11357(c) but
--               never CA:HS:11357.5; UT:76:5 matches UT:76:5-102 (a whole chapter)
--   exact       the statute itself only
--   starts_with plain text prefix: UT:41:6A-5 matches UT:41:6A-502 (a part of a chapter)
with members as (
    select
        *,
        split_part(statute, ':', 3) as member_section_and_subdivisions
    from {{ ref('stg_rules__code_set_members') }}
),

charges as (
    select
        charge_key,
        jurisdiction,
        statute,
        section_key || coalesce(subdivisions, '') as section_and_subdivisions,
        parse_status,
        is_attempt,
        enhancements
    from {{ ref('int_charges_assembled') }}
    where parse_status in ('parsed', 'no_code')
),

programs as (
    select program_id, jurisdiction from {{ ref('stg_rules__programs') }}
),

matched as (
    select
        m.program_id,
        m.code_set,
        c.charge_key,
        case when c.parse_status = 'parsed' then true end as is_match
    from charges as c
    inner join programs as p on p.jurisdiction = c.jurisdiction
    inner join members as m
        on m.program_id = p.program_id
        and (
            case when c.parse_status = 'parsed'
                 then c.statute = m.statute
                      or (m.match_mode = 'prefix'
                          and (starts_with(c.statute, m.statute || '(')
                               or starts_with(c.statute, m.statute || '-')))
                      or (m.match_mode = 'starts_with' and starts_with(c.statute, m.statute))
                 else c.section_and_subdivisions = m.member_section_and_subdivisions
                      or (m.match_mode = 'prefix'
                          and (starts_with(c.section_and_subdivisions, m.member_section_and_subdivisions || '(')
                               or starts_with(c.section_and_subdivisions, m.member_section_and_subdivisions || '-')))
                      or (m.match_mode = 'starts_with'
                          and starts_with(c.section_and_subdivisions, m.member_section_and_subdivisions))
            end
        )
        and (m.attempt = 'include'
             or (m.attempt = 'exclude' and not c.is_attempt)
             or (m.attempt = 'only' and c.is_attempt))
        and (m.with_enhancement is null or position(m.with_enhancement in c.enhancements) > 0)
)

-- A charge matching two members of a set counts once; a certain match beats a maybe.
select
    program_id,
    code_set,
    charge_key,
    case when bool_or(is_match) then true end as is_match
from matched
group by program_id, code_set, charge_key
