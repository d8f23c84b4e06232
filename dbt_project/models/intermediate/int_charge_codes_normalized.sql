{#-
  One row per distinct offense text of the DOJ extract (and statute text of canonical extracts), parsed into a canonical California
  statute `CA:<code>:<section><subdivisions>` (clearance-law.md 7.4, 9.1 P9/P10/P19, 9.6 N1-N6).

  Why not substring matching (what the old tool did, ca-doj-research-file.md 3.1-3.2): it read
  `11357.5 HS` as 11357 (false Prop 64 charge) and cut `664-11357(C) HS-...` at its first `-`
  (missed attempt). Here the code-section part is matched as a whole token: a section is
  digits [.digits] [letters] (subdivisions), so 11357.5 is its own section, and the description
  is split off at the first `-` after the code abbreviation / section token.

  Layouts, tried in this order (anchored at the start, after leading punctuation noise):
    code_after_section   11357(A) HS-...   11357HS   --40508 VC--   664-11357(C) HS-...
    code_before_section  HS 11357(a)       PC 459/460
    no_code              11357(A)          (section found, code unknown: review)
    unparsed             POSSESS MARIJUANA (no section at the start of the text)

  Section / subdivision rule for letters glued to the digits WITHOUT parentheses:
    * 2+ letters (273AB), or a PC section whose name has a letter (288A, 653F, 266H, ... the
      `pc_lettered_sections` list below): the letters are part of the section and stay
      upper case: `288A(C) PC` -> CA:PC:288A(c).
    * otherwise a single letter is a subdivision and a digit after it a nested one:
      `11357A HS` -> 11357(a), `11357B2 HS` -> 11357(b)(2).
  Parenthesised subdivisions are always subdivisions, lower-cased: `11360(A)(3)(D)` ->
  11360(a)(3)(d).

  Compound sections (separators `/`, `|`, `+`, or `-` between two section tokens):
    * 664 (attempt) and 182 (conspiracy) next to another section are modifiers, not the
      offense: `664/187 PC` -> CA:PC:187, is_attempt. Alone (`182 PC`) they are the offense.
      Also read: `664.11357` (dot + 3 or more digits), `66411357` (664 glued to a 4+ digit
      section; a 3-digit section glued to 664 is not recognised: 664187 reads as a section),
      a trailing `-664` / `/664`, and the rap-sheet flag `-ATTEMPTED` at the end of the text.
    * 186.22 next to another section is the gang enhancement (goes to `enhancements`).
    * the first remaining section is the primary; any other is a qualifier (459/460: 460 is
      the degree of the burglary).
  Comma as decimal mark: `496,3` -> 496.3.

  Code inference (no_code texts only): a text with a section but no code abbreviation gets the
  code of an entry of the curated table rules/<jurisdiction>/code_inference.yaml
  (stg_rules__code_inference) when BOTH its section lies in the entry's range (compared as
  decimal numbers, inclusive: 11357 to 11362.9) AND its description (the text after the section)
  has one of the entry's keywords at the start of a word (a prefix: MARIJ matches MARIJUANA,
  HASH never matches inside WHASH). `11360(B) SELL/FURNISH/ETC MARIJUANA/HASH` -> CA:HS:11360(b),
  code_inferred, keyword MARIJUANA. A text that names a code is never touched; a section out of
  range, no keyword, or entries that disagree on the code leave it no_code (needs_review).
  Qualifier sections of a compound stay bare (only the primary section is read).
-#}

{#- The layout patterns (code abbreviation, section token, chain, layouts) live in
    macros/statute_text.sql: staging uses the same ones to tell whether a text reads as a
    statute (reads_as_statute), so the column it picks is one this model can read. -#}
{%- set p = charge_code_patterns() -%}
{%- set after_re = p.after_re -%}
{%- set before_re = p.before_re -%}
{%- set bare_re = p.bare_re -%}
{#- The smaller patterns. Every pattern with a backslash lives in a set block: a Jinja string
    literal would turn `\1` into a control character. -#}
{%- set attempt_suffix_re -%}
^(\s*[-/]\s*664)(?:[^0-9.]|$)
{%- endset -%}
{%- set dotted_modifier_re -%}
^(664|182)\.([0-9]{3,})
{%- endset -%}
{%- set glued_modifier_re -%}
^(664|182)([0-9]{4,})
{%- endset -%}
{%- set modifier_replacement -%}
\1/\2
{%- endset -%}
{%- set split_re -%}
\s*[-/|+]\s*
{%- endset -%}
{%- set paren_subdivisions_re -%}
^[0-9]+(?:[.,][0-9]+)?[A-Z]*[0-9]*((?:\s*\([0-9A-Z]+\))+)
{%- endset -%}
{%- set whitespace_re -%}
\s
{%- endset -%}
{%- set attempted_flag_re -%}
-\s*ATTEMPTED$
{%- endset -%}
{%- set dash_first_re -%}
^\s*-
{%- endset -%}
{#- A plain section number that fits the decimal it is compared as (numeric(28,6)); a longer
    one is no CA section and is never inferred. -#}
{%- set section_number_re -%}
[0-9]{1,9}(?:\.[0-9]{1,6})?
{%- endset -%}
{%- set non_word_re -%}
[^A-Z0-9]+
{%- endset -%}
{#- Letters after the digits of these PC sections are part of the section's name. -#}
{%- set pc_lettered_sections = "('266C', '266H', '266I', '266J', '273A', '273AB', '273D', '288A', '476A', '484E', '484F', '484G', '647A', '653F', '653K')" -%}
{#- Sections that, next to another section, are an enhancement rather than the offense. -#}
{%- set enhancement_sections = "('186.22')" -%}

with offense_texts as (
    -- Parsing depends only on the text, so parse each distinct text once: the DOJ extract's
    -- offense texts and the canonical extracts' statutes (CA ones use this parser).
    select offense_text
    from {{ ref('stg_doj__events') }}
    where offense_text is not null
    union
    select statute_raw as offense_text
    from {{ ref('stg_canonical__charges') }}
    where statute_raw is not null
),

prepared as (
    -- Upper-case once so every pattern is written for upper case (`hs` reads as `HS`).
    select
        offense_text,
        upper(offense_text) as txt
    from offense_texts
),

layout as (
    -- Pick the layout: DOJ's own (code after section) first, then the other sources' forms.
    select
        offense_text,
        txt,
        case
            when {{ re_matches('txt', after_re) }} then 'code_after_section'
            when {{ re_matches('txt', before_re) }} then 'code_before_section'
            when {{ re_matches('txt', bare_re) }} then 'no_code'
            else 'unparsed'
        end as parse_method
    from prepared
),

located as (
    -- Cut the matched layout into leading noise, code-section token, section chain and code.
    select
        offense_text,
        txt,
        parse_method,
        case parse_method
            when 'code_after_section' then coalesce({{ re_extract('txt', after_re, 1) }}, '')
            when 'code_before_section' then coalesce({{ re_extract('txt', before_re, 1) }}, '')
            when 'no_code' then coalesce({{ re_extract('txt', bare_re, 1) }}, '')
        end as noise,
        case parse_method
            when 'code_after_section' then {{ re_extract('txt', after_re, 2) }}
            when 'code_before_section' then {{ re_extract('txt', before_re, 2) }}
            when 'no_code' then {{ re_extract('txt', bare_re, 2) }}
        end as token,
        case parse_method
            when 'code_after_section' then {{ re_extract('txt', after_re, 3) }}
            when 'code_before_section' then {{ re_extract('txt', before_re, 4) }}
            when 'no_code' then {{ re_extract('txt', bare_re, 3) }}
        end as chain,
        case parse_method
            when 'code_after_section' then {{ re_extract('txt', after_re, 4) }}
            when 'code_before_section' then {{ re_extract('txt', before_re, 3) }}
        end as code_raw
    from layout
),

with_suffix as (
    -- A trailing attempt marker right after the code (`11357 HS-664`) still belongs to the token.
    select
        *,
        {{ re_extract('substr(txt, length(noise || token) + 1)', attempt_suffix_re, 1) }}
        as attempt_suffix_after_code
    from located
),

with_rest as (
    -- What follows the token (and its attempt marker) is the description.
    select
        *,
        substr(txt, length(noise || token || coalesce(attempt_suffix_after_code, '')) + 1) as rest
    from with_suffix
),

tokens as (
    -- code_token = the text minus its description; statute_code = the canonical abbreviation.
    select
        offense_text,
        txt,
        parse_method,
        noise,
        chain,
        code_raw,
        rest,
        attempt_suffix_after_code,
        case
            when parse_method = 'unparsed' then nullif(trim(split_part(txt, '-', 1)), '')
            else trim(noise || token || coalesce(attempt_suffix_after_code, ''))
        end as code_token,
        -- `H & S`, `H.S.`, `HSC` -> HS; `B&P` -> BP; `W&I` -> WI; `P.C.` -> PC.
        case {{ re_replace('code_raw', '[^A-Z]', '') }}
            when 'HSC' then 'HS'
            when 'BPC' then 'BP'
            when 'WIC' then 'WI'
            else {{ re_replace('code_raw', '[^A-Z]', '') }}
        end as statute_code
    from with_rest
),

chains as (
    -- Make glued / dotted modifiers splittable: `664.11357(C)` and `66411357(C)` -> `664/11357(C)`.
    select
        *,
        coalesce({{ re_matches('chain', '^664[0-9]{4,}') }}, false) as has_glued_attempt,
        coalesce({{ re_matches('chain', '^182[0-9]{4,}') }}, false) as has_glued_conspiracy,
        {{ re_replace(re_replace('chain', dotted_modifier_re, modifier_replacement), glued_modifier_re, modifier_replacement) }}
        as split_ready_chain
    from tokens
),

elements as (
    -- One row per section of a compound (`459/460`, `664-11357(C)`), keeping its position.
    select
        c.offense_text,
        c.statute_code,
        e.element,
        e.position
    from chains as c
    {{ split_to_rows('c.split_ready_chain', split_re, 'e') }}
    where c.split_ready_chain is not null
),

element_parts as (
    -- Take each section token apart: digits, decimal, glued letters (+ digit), parenthesised part.
    select
        offense_text,
        statute_code,
        element,
        position,
        count(*) over (partition by offense_text) as element_count,
        {{ re_extract('element', '^([0-9]+)', 1) }}
        || coalesce('.' || {{ re_extract('element', '^[0-9]+[.,]([0-9]+)', 1) }}, '') as base_section,
        {{ re_matches('element', '^[0-9]+,') }} as has_comma_decimal,
        {{ re_extract('element', '^[0-9]+(?:[.,][0-9]+)?([A-Z]+)', 1) }} as glued_letters,
        {{ re_extract('element', '^[0-9]+(?:[.,][0-9]+)?[A-Z]+([0-9]+)', 1) }} as glued_digits,
        lower({{ re_replace(re_extract('element', paren_subdivisions_re, 1), whitespace_re, '') }}) as paren_subdivisions
    from elements
),

element_letters as (
    -- Glued letters: part of the section's name (288A, 273AB) or a subdivision (11357A, 11357B2).
    select
        *,
        glued_letters is not null
        and (length(glued_letters) >= 2
             or (statute_code = 'PC' and base_section || glued_letters in {{ pc_lettered_sections }}))
        as letters_in_section_name
    from element_parts
),

element_sections as (
    -- Canonical section + subdivisions, and the role of the section inside a compound.
    select
        *,
        base_section || case when letters_in_section_name then glued_letters else '' end as section,
        case
            when glued_letters is null then ''
            when letters_in_section_name then coalesce('(' || glued_digits || ')', '')
            else '(' || lower(glued_letters) || ')' || coalesce('(' || glued_digits || ')', '')
        end || coalesce(paren_subdivisions, '') as subdivisions,
        glued_letters is not null and not letters_in_section_name as has_unparenthesised_subdivision,
        case
            when element_count = 1 then 'offense'
            when base_section = '664' and glued_letters is null then 'attempt'
            when base_section = '182' and glued_letters is null then 'conspiracy'
            when base_section in {{ enhancement_sections }} then 'enhancement'
            else 'offense'
        end as element_role
    from element_letters
),

ranked as (
    -- The primary section is the first offense of the compound (else the first section at all).
    select
        *,
        row_number() over (
            partition by offense_text
            order by case when element_role = 'offense' then 0 else 1 end, position
        ) = 1 as is_primary,
        -- Qualifiers and enhancements are written canonically; bare when the code is unknown.
        coalesce('CA:' || statute_code || ':', '') || base_section
        || case when letters_in_section_name then glued_letters else '' end as element_prefix
    from element_sections
),

aggregated as (
    -- Back to one row per text: primary section, modifiers, qualifiers, enhancements.
    select
        offense_text,
        max(case when is_primary then section end) as section,
        max(case when is_primary then subdivisions end) as subdivisions,
        bool_or(not is_primary and element_role = 'attempt' and position < element_count) as has_attempt_prefix_element,
        bool_or(not is_primary and element_role = 'attempt' and position = element_count) as has_attempt_suffix_element,
        bool_or(not is_primary and element_role = 'conspiracy') as has_conspiracy_element,
        bool_or(has_comma_decimal) as has_comma_decimal,
        bool_or(has_unparenthesised_subdivision) as has_unparenthesised_subdivision,
        {{ dbt.listagg(
            "case when not is_primary and element_role = 'offense' then element_prefix || subdivisions end",
            "','", "order by position"
        ) }} as qualifier_sections,
        {{ dbt.listagg(
            "case when not is_primary and element_role = 'enhancement' then element_prefix || subdivisions end",
            "','", "order by position"
        ) }} as enhancements
    from ranked
    group by offense_text
),

parsed as (
    -- Join the pieces and derive the flags; texts without a section keep NULL section.
    select
        t.offense_text,
        t.txt,
        t.code_token,
        t.noise,
        t.code_raw,
        t.rest,
        t.statute_code,
        t.parse_method,
        t.has_glued_attempt,
        t.has_glued_conspiracy,
        t.attempt_suffix_after_code is not null as has_attempt_suffix_after_code,
        {{ re_matches('t.txt', attempted_flag_re) }} as has_attempted_flag,
        a.section,
        coalesce(a.subdivisions, '') as subdivisions,
        coalesce(a.has_attempt_prefix_element, false) as has_attempt_prefix_element,
        coalesce(a.has_attempt_suffix_element, false) as has_attempt_suffix_element,
        coalesce(a.has_conspiracy_element, false) as has_conspiracy_element,
        coalesce(a.has_comma_decimal, false) as has_comma_decimal,
        coalesce(a.has_unparenthesised_subdivision, false) as has_unparenthesised_subdivision,
        coalesce(a.qualifier_sections, '') as qualifier_sections,
        coalesce(a.enhancements, '') as enhancements
    from chains as t
    left join aggregated as a on a.offense_text = t.offense_text
),

code_inference as (
    -- The curated table (rules/us_ca/code_inference.yaml): this parser reads CA texts only.
    select * from {{ ref('stg_rules__code_inference') }}
    where jurisdiction = 'US-CA'
),

inference_candidates as (
    -- A section and no code abbreviation; the section a plain number (not 273AB, at most 9
    -- digits and 6 decimals). The
    -- description's words, upper case, split on anything but letters and digits, space-padded
    -- so that ' ' || keyword finds a keyword only at the start of a word.
    select
        offense_text,
        case when {{ re_full_match('section', section_number_re) }}
            then cast(section as {{ dbt.type_numeric() }}) end as section_number,
        ' ' || trim({{ re_replace('rest', non_word_re, ' ') }}) || ' ' as description_words
    from parsed
    where statute_code is null and section is not null
),

inference_hits as (
    select
        c.offense_text,
        ci.code,
        ci.keyword,
        ci.basis,
        ci.inference_position,
        ci.keyword_position
    from inference_candidates as c
    inner join code_inference as ci
        on c.section_number >= cast(ci.section_from as {{ dbt.type_numeric() }})
        and c.section_number <= cast(ci.section_to as {{ dbt.type_numeric() }})
        and {{ dbt.position("' ' || ci.keyword", 'c.description_words') }} > 0
),

inference_ranked as (
    select
        *,
        row_number() over (
            partition by offense_text order by inference_position, keyword_position
        ) as pick,
        min(code) over (partition by offense_text) as min_code,
        max(code) over (partition by offense_text) as max_code
    from inference_hits
),

inferred as (
    -- The first entry and keyword that settle the text; entries that disagree settle nothing.
    select offense_text, code, keyword, basis
    from inference_ranked
    where pick = 1 and min_code = max_code
),

resolved as (
    select
        p.*,
        coalesce(p.statute_code, i.code) as resolved_code,
        i.code is not null as code_inferred,
        i.keyword as code_inference_keyword,
        i.basis as code_inference_basis
    from parsed as p
    left join inferred as i on i.offense_text = p.offense_text
)

select
    offense_text,
    code_token,
    resolved_code as statute_code,
    section,
    subdivisions,
    'CA:' || resolved_code || ':' || section || subdivisions as statute,
    'CA:' || resolved_code || ':' || section as statute_section,
    section as section_key,
    has_attempt_prefix_element or has_attempt_suffix_element or has_attempt_suffix_after_code
    or has_attempted_flag as is_attempt,
    has_conspiracy_element as is_conspiracy,
    qualifier_sections,
    enhancements,
    parse_method,
    case
        when resolved_code is not null and section is not null then 'parsed'
        when section is not null then 'no_code'
        else 'unparsed'
    end as parse_status,
    -- What was unusual about the text, for reviewers; NULL when it was a plain `11357(A) HS-...`.
    nullif(concat_ws('; ',
        case when noise <> '' then 'leading noise' end,
        case when parse_method <> 'unparsed'
                  and {{ re_matches('substr(offense_text, 1, length(code_token))', '[a-z]') }}
            then 'lower case' end,
        case when code_raw <> statute_code then 'code written ' || code_raw end,
        case when has_comma_decimal then 'comma decimal' end,
        case when has_glued_attempt then 'attempt prefix 664 glued to section'
             when has_attempt_prefix_element then 'attempt prefix 664' end,
        case when has_attempt_suffix_element or has_attempt_suffix_after_code then 'attempt suffix 664' end,
        case when has_attempted_flag then 'attempt flag -ATTEMPTED' end,
        case when has_glued_conspiracy then 'conspiracy prefix 182 glued to section'
             when has_conspiracy_element then 'conspiracy prefix 182' end,
        case when has_unparenthesised_subdivision then 'subdivision without parentheses' end,
        case when qualifier_sections <> '' then 'compound section' end,
        case when enhancements <> '' then 'enhancement 186.22' end,
        case when parse_method <> 'unparsed' and rest <> '' and not {{ re_matches('rest', dash_first_re) }}
            then 'text after the code-section part not separated by -' end,
        case when parse_method = 'no_code' then 'no code abbreviation' end,
        case when code_inferred
            then 'code ' || resolved_code || ' inferred from ''' || code_inference_keyword
                 || ''' (' || code_inference_basis || ')' end,
        case when parse_method = 'unparsed' then 'no section at start of text' end
    ), '') as parse_note,
    -- The code came from the code inference table, not from the text (parse_method no_code).
    code_inferred,
    code_inference_keyword,
    code_inference_basis
from resolved
