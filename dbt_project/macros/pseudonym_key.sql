{#
    pseudonym_key(): the secret key of the analysts' pseudonyms (fct_decisions_pseudonymized),
    from CLEANSLATE_PSEUDONYM_KEY through the var `pseudonym_key` (dbt_project.yml). It has no
    default: compiling a model that uses it without the key is a compiler error naming the
    variable, while `dbt parse` (execute is false) needs no key. `make demo` and the tests set a
    demo key; orchestration/lib/settings.py checks it before a run starts.
#}
{% macro pseudonym_key() -%}
    {%- set key = var("pseudonym_key", "") -%}
    {%- if execute and not key | trim -%}
        {{ exceptions.raise_compiler_error(
            "CLEANSLATE_PSEUDONYM_KEY is not set: " ~ model.name ~ " needs the secret key of the"
            ~ " analysts' pseudonyms (no default; `make demo` and the tests set a demo key)"
        ) }}
    {%- endif -%}
    {{- return(key) -}}
{%- endmacro %}
