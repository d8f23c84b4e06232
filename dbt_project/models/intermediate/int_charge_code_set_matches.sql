-- Which charges are in which code set. is_match is true, or NULL when the charge had a section
-- but no code abbreviation ("11357(A)"): it may or may not be the listed statute.
-- Absence of a row means "not in the set". Matching (match_mode):
--   prefix      at a subdivision or chapter boundary: CA:HS:11357 matches CA:HS:11357(c) but
--               never CA:HS:11357.5; UT:76:5 matches UT:76:5-102 (a whole chapter)
--   exact       the statute itself only
--   starts_with plain text prefix: UT:41:6A-5 matches UT:41:6A-502 (a part of a chapter)
--
-- Speed: every match of the three modes shares the text before the first boundary ('(' or '-')
-- with its member, except a starts_with member that has no boundary (e.g. UT:41:6 would match
-- UT:41:6A-502). So charges meet members through an equality join on that key, and only those
-- few unkeyed members are compared with every charge (measured at 100,000 rows: 16.8 s -> see
-- docs/benchmarks.md; the predicate below decides the match either way).
with members_split as (
    select
        *,
        split_part(statute, ':', 3) as member_section_and_subdivisions
    from {{ ref('stg_rules__code_set_members') }}
),

members as (
    select
        *,
        regexp_replace(statute, '[(-].*$', '') as statute_key,
        regexp_replace(member_section_and_subdivisions, '[(-].*$', '') as section_match_key,
        match_mode <> 'starts_with'
            or position('(' in statute) > 0 or position('-' in statute) > 0 as is_keyed
    from members_split
),

charges as (
    select
        charge_key,
        jurisdiction,
        statute,
        section_key || coalesce(subdivisions, '') as section_and_subdivisions,
        parse_status,
        is_attempt,
        enhancements,
        case when parse_status = 'parsed' then regexp_replace(statute, '[(-].*$', '')
             else regexp_replace(section_key || coalesce(subdivisions, ''), '[(-].*$', '')
        end as match_key
    from {{ ref('int_charges_assembled') }}
    where parse_status in ('parsed', 'no_code')
),

programs as (
    select program, jurisdiction from {{ ref('stg_rules__programs') }}
),

pairs as (
    select c.*, m.program, m.code_set, m.statute as member_statute,
           m.member_section_and_subdivisions, m.match_mode, m.attempt, m.with_enhancement
    from charges as c
    inner join programs as p on p.jurisdiction = c.jurisdiction
    inner join members as m
        on m.program = p.program and m.is_keyed and m.statute_key = c.match_key
    where c.parse_status = 'parsed'
    union all
    select c.*, m.program, m.code_set, m.statute as member_statute,
           m.member_section_and_subdivisions, m.match_mode, m.attempt, m.with_enhancement
    from charges as c
    inner join programs as p on p.jurisdiction = c.jurisdiction
    inner join members as m
        on m.program = p.program and m.is_keyed and m.section_match_key = c.match_key
    where c.parse_status <> 'parsed'
    union all
    select c.*, m.program, m.code_set, m.statute as member_statute,
           m.member_section_and_subdivisions, m.match_mode, m.attempt, m.with_enhancement
    from charges as c
    inner join programs as p on p.jurisdiction = c.jurisdiction
    inner join members as m on m.program = p.program and not m.is_keyed
),

matched as (
    select
        m.program,
        m.code_set,
        m.charge_key,
        case when m.parse_status = 'parsed' then true end as is_match
    from pairs as m
    where (
            case when m.parse_status = 'parsed'
                 then m.statute = m.member_statute
                      or (m.match_mode = 'prefix'
                          and ({{ text_starts_with('m.statute', "m.member_statute || '('") }}
                               or {{ text_starts_with('m.statute', "m.member_statute || '-'") }}))
                      or (m.match_mode = 'starts_with' and {{ text_starts_with('m.statute', 'm.member_statute') }})
                 else m.section_and_subdivisions = m.member_section_and_subdivisions
                      or (m.match_mode = 'prefix'
                          and ({{ text_starts_with('m.section_and_subdivisions', "m.member_section_and_subdivisions || '('") }}
                               or {{ text_starts_with('m.section_and_subdivisions', "m.member_section_and_subdivisions || '-'") }}))
                      or (m.match_mode = 'starts_with'
                          and {{ text_starts_with('m.section_and_subdivisions', 'm.member_section_and_subdivisions') }})
            end
        )
        and (m.attempt = 'include'
             or (m.attempt = 'exclude' and not m.is_attempt)
             or (m.attempt = 'only' and m.is_attempt))
        and (m.with_enhancement is null or position(m.with_enhancement in m.enhancements) > 0)
)

-- A charge matching two members of a set counts once; a certain match beats a maybe.
select
    program,
    code_set,
    charge_key,
    case when bool_or(is_match) then true end as is_match
from matched
group by program, code_set, charge_key
