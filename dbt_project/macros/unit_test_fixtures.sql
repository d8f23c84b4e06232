{#-
  The rows of a unit test's `given` input (dict or csv format), typed. dbt types them from the
  input's relation in the warehouse and stops when it is not there ("Not able to get columns for
  unit test"), so a unit test could only run after a build. For the models declared in
  unit_test_input_columns() below, a fresh, empty warehouse works too: their column types are
  taken from the declaration when the warehouse has no such relation (or cannot list its
  columns). A warehouse that has it still types the rows from it, as dbt does (and any other
  input is dbt's own case). The declared columns must be the models' own
  (tests/integration/test_prop64_pipeline.py compares them with a built warehouse).
-#}
{% macro get_fixture_sql(rows, column_name_to_data_types) %}
    {%- set declared = unit_test_input_columns().get(model.name) if column_name_to_data_types is none else none -%}
    {%- set relation = load_relation(this) if execute and declared else none -%}
    {%- if not execute or not declared or (relation is not none and adapter.get_columns_in_relation(relation)) -%}
        {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for row in (rows or [{}]) -%}
        {%- set given = {} -%}
        {%- for name, value in row.items() -%}
            {%- if name | lower not in declared -%}
                {{ exceptions.raise_compiler_error(
                    "Invalid column name: '" ~ name ~ "' in unit test fixture for '" ~ model.name
                    ~ "'. Its columns (declared in macros/unit_test_fixtures.sql, for a warehouse"
                    ~ " without the model) are: " ~ (declared.keys() | list)) }}
            {%- endif -%}
            {%- do given.update({name | lower: value}) -%}
        {%- endfor -%}
        {%- set formatted = format_row(given, declared) -%}
        {%- set columns = [] -%}
        {%- for name, data_type in declared.items() -%}
            {%- do columns.append(formatted.get(name, safe_cast('null', data_type)) ~ ' as ' ~ adapter.quote(name)) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ columns | join(', ')) -%}
    {%- endfor -%}
    {{ return('-- Fixture for ' ~ model.name ~ ' (declared column types)\n'
              ~ selects | join('\nunion all\n') ~ ('\nlimit 0' if not rows else '')) }}
{% endmacro %}

{#-
  Column name -> type of the models that unit tests give as inputs, as a built DuckDB warehouse
  has them (information_schema.columns, lower case). Inputs of the rule evaluator
  (evaluate_conditions, models/intermediate/condition_unit_tests), of the rule verdicts
  (int_rule_results_first_wave) and of the charges the first wave leaves undecided
  (int_rule_charges_undecided).
-#}
{% macro unit_test_input_columns() -%}
{%- set columns_yaml -%}
int_charges_assembled:
  charge_key: varchar
  person_key: varchar
  subject_id: varchar
  source_system: varchar
  jurisdiction: varchar
  charge_ref: varchar
  cnt_order: varchar
  arrest_key: varchar
  case_key: varchar
  episode_key: varchar
  source_file: varchar
  source_line: bigint
  source_sha256: varchar
  record_count: bigint
  county: varchar
  agency: varchar
  case_number: varchar
  offense_raw: varchar
  offense_text_column: varchar
  offense_level: varchar
  offense_level_column: varchar
  grade: varchar
  max_penalty_years: double
  is_dv: boolean
  is_traffic: boolean
  disposition: varchar
  disposition_raw: varchar
  is_convicted: boolean
  disposition_date: date
  disposition_date_raw: varchar
  disposition_date_earliest: date
  disposition_date_latest: date
  disposition_date_precision: varchar
  offense_date_earliest: date
  offense_date_latest: date
  offense_date_column: varchar
  arrest_date_earliest: date
  arrest_date_latest: date
  has_prison: boolean
  has_jail: boolean
  has_probation: boolean
  probation_revoked: boolean
  sentence_end_date: date
  prison_release_date: date
  case_status: varchar
  restitution_balance: decimal(14,2)
  statute: varchar
  statute_section: varchar
  section_key: varchar
  statute_code: varchar
  subdivisions: varchar
  is_attempt: boolean
  is_conspiracy: boolean
  enhancements: varchar
  parse_status: varchar
  code_inferred: boolean
  code_inference_keyword: varchar
  code_inference_basis: varchar
  is_felony: boolean
int_persons_unioned:
  person_key: varchar
  subject_id: varchar
  source_system: varchar
  jurisdiction: varchar
  dob_earliest: date
  dob_latest: date
  has_conflicting_dob: boolean
  dob_precision: varchar
  person_name: varchar
  cii_number: varchar
  dob_raw: varchar
  gender: varchar
  race: varchar
  is_deceased: boolean
  deceased_source: varchar
  has_supervision_data: boolean
  supervision_data: varchar
  has_registration_data: boolean
int_supervision_unioned:
  person_key: varchar
  supervision_type: varchar
  agency: varchar
  source_ref: varchar
  matched_key: varchar
  start_date_earliest: date
  start_date_latest: date
  end_date_earliest: date
  end_date_latest: date
  end_date_precision: varchar
int_registrations_unioned:
  person_key: varchar
  registration_type: varchar
  source_ref: varchar
  start_date_earliest: date
  start_date_latest: date
  end_date: date
int_charge_code_set_matches:
  program: varchar
  code_set: varchar
  charge_key: varchar
  is_match: boolean
int_program_charges_scoped:
  program: varchar
  charge_key: varchar
  in_scope: boolean
  scope_missing_facts: varchar
  scope_facts: varchar
int_rule_conditions_evaluated:
  program: varchar
  charge_key: varchar
  rule_id: varchar
  condition_seq: integer
  condition_type: varchar
  description: varchar
  is_negated: boolean
  is_time_condition: boolean
  value: boolean
  ready_on: date
  fact: varchar
  missing_fact: varchar
int_rule_conditions_first_wave:
  program: varchar
  charge_key: varchar
  rule_id: varchar
  condition_seq: integer
  is_time_condition: boolean
  value: boolean
  ready_on: date
int_rule_results_first_wave:
  program: varchar
  charge_key: varchar
  rule_id: varchar
  rule_order: integer
  verdict: varchar
  decides: boolean
  eligible_on: date
  conditions_unevaluated: bigint
stg_rules__programs:
  program: varchar
  jurisdiction: varchar
  title: varchar
  status: varchar
  unit: varchar
  aggregate_to: varchar
  law_version: date
  effective_from: date
  effective_to: date
  rules_version: varchar
  rule_file: varchar
  rule_file_sha256: varchar
  options_file_sha256: varchar
  as_of_date: date
  is_in_effect: boolean
  is_forecast: boolean
stg_rules__rules:
  program: varchar
  rule_id: varchar
  rule_order: integer
  kind: varchar
  outcome: varchar
  relief: varchar
  reason: varchar
  citation_ids: varchar
  citations: varchar
  on_unknown: varchar
  is_enabled: boolean
  verify: varchar
  evaluation_wave: integer
stg_rules__conditions:
  program: varchar
  rule_id: varchar
  condition_seq: integer
  condition_type: varchar
  is_negated: boolean
  is_time_condition: boolean
  description: varchar
  code_set: varchar
  levels: varchar
  grades: varchar
  dispositions: varchar
  field: varchar
  date_value: date
  anchors: varchar
  wait_years: integer
  wait_months: integer
  wait_days: integer
  years: integer
  penalty_years: double
  must_precede: boolean
  same_section: boolean
  min_count: integer
  at_least: integer
  distinct_by_episode: boolean
  registration: varchar
  active_only: boolean
  agencies: varchar
  sentence_types: varchar
  flag: varchar
  exclude_traffic: boolean
  f_code_set: varchar
  f_exclude_code_set: varchar
  f_levels: varchar
  f_exclude_levels: varchar
  f_grades: varchar
  f_min_penalty_years: double
  f_exclude_traffic: boolean
{%- endset -%}
{{ return(fromyaml(columns_yaml)) }}
{%- endmacro %}
