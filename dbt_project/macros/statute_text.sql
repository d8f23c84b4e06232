{#-
  The layouts of a charge text, shared by the charge-code normalizer (int_charge_codes_normalized,
  which takes a text apart) and DOJ staging (stg_doj__events, which only asks whether a text
  reads as a statute at all, to pick the offense-text column). One definition, so staging never
  picks a column that the normalizer then cannot read, and never skips one it could.

  charge_code_patterns() returns the patterns (upper-case text; see the normalizer's header for
  the layouts): after_re (`11357(A) HS-...`), before_re (`HS 11357(a)`), bare_re (`11357(A)`,
  section without a code). Each is anchored at the start, after leading punctuation noise.
-#}
{% macro charge_code_patterns() -%}
{#- A code abbreviation: the rap-sheet list (7.2) plus the spelling variants seen in other
    sources. Longer spellings first: the first alternative that fits wins. -#}
{%- set code_re -%}
(?:H\s*&\s*S(?:\s*C)?|H\.\s*S\.?(?:\s*C\.?)?|HSC|HS|B\s*&\s*P(?:\s*C)?|B\.\s*P\.?(?:\s*C\.?)?|BPC|BP|W\s*&\s*I(?:\s*C)?|W\.\s*I\.?(?:\s*C\.?)?|WIC|WI|P\.\s*C\.?|PC|V\.\s*C\.?|VC|CC|CI|EC|FA|FC|FG|GC|HN|IC|LC|MV|PR|RT|SH|UI)
{%- endset -%}
{#- One section token: digits, optional decimal (. or ,), optional glued letters (+ digit),
    optional parenthesised subdivisions, which may be space-separated: `11357 (A) (2)`. -#}
{%- set sec_re -%}
[0-9]+(?:[.,][0-9]+)?(?:[A-Z]{1,2}[0-9]*)?(?:\s*\([0-9A-Z]{1,4}\))*
{%- endset -%}
{#- Separator between the sections of a compound: `/`, `|`, `+` (spaces allowed) or a bare `-`
    (no spaces, so `148 PC - 12 MONTHS` never reads 12 as a section). -#}
{%- set sep_re -%}
(?:\s*[/|+]\s*|-)
{%- endset -%}
{%- set chain_re = sec_re ~ '(?:' ~ sep_re ~ sec_re ~ ')*' -%}
{%- set noise_re -%}
^([^0-9A-Z]*)
{%- endset -%}
{%- set opt_space_re -%}
\s*
{%- endset -%}
{#- Groups: 1 noise, 2 token (code-section part without noise), then chain and code. -#}
{%- set after_re = noise_re ~ '((' ~ chain_re ~ ')' ~ opt_space_re ~ '(' ~ code_re ~ '))(?:[^A-Z]|$)' -%}
{%- set before_re = noise_re ~ '((' ~ code_re ~ ')' ~ opt_space_re ~ '(' ~ chain_re ~ '))(?:[^A-Z0-9]|$)' -%}
{%- set bare_re = noise_re ~ '((' ~ chain_re ~ '))(?:[^A-Z0-9]|$)' -%}
{{ return({'after_re': after_re, 'before_re': before_re, 'bare_re': bare_re}) }}
{%- endmacro %}

{#-
  reads_as_statute(text): true when the text holds a statute the normalizer can read, i.e. it
  would not be `unparsed` there (a section at the start, with or without a code abbreviation);
  false for NULL. `SEE COMMENT FOR CHARGE`, `POSSESS MARIJUANA`, `SEE ATTACHED` read as none.
-#}
{% macro reads_as_statute(text) -%}
    {%- set p = charge_code_patterns() -%}
    {%- set t = 'upper(' ~ text ~ ')' -%}
    coalesce({{ re_matches(t, p.after_re) }} or {{ re_matches(t, p.before_re) }} or {{ re_matches(t, p.bare_re) }}, false)
{%- endmacro %}

{#- True when a charge has no offense text to read: empty, or only the DOJ pointer to a comment. -#}
{% macro no_offense_text(text) -%}
    ({{ text }} is null or upper(trim({{ text }})) = 'SEE COMMENT FOR CHARGE')
{%- endmacro %}
