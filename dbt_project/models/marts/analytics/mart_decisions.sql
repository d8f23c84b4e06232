-- DEPRECATED: the analysts' pseudonymous decisions are analytics.fct_decisions_pseudonymized.
-- This view keeps the old name answering for one release (README, "Renamed in this release")
-- and is removed in the next one: query fct_decisions_pseudonymized. A view (config in
-- _analytics__models.yml): the same rows and columns, nothing stored twice.
select
    person_pseudo_key,
    decision_pseudo_key,
    program,
    jurisdiction,
    source_system,
    county,
    section,
    statute,
    offense_level,
    grade,
    disposition,
    conviction_year,
    determination,
    relief,
    eligible_on,
    charge_determination,
    aggregate_to,
    is_undecided,
    decisive_rule,
    reason_codes,
    age_band,
    gender,
    race,
    as_of,
    rules_version
from {{ ref('fct_decisions_pseudonymized') }}
