-- Every conviction on record (any source, in or out of any law's scope): what the report's
-- "no longer has a conviction / a felony" counts and the earlier tool's subject counts are
-- made of. Grain: one row per convicted charge, unique on charge_key.
select
    person_key,
    charge_key,
    is_felony,
    disposition_date as conviction_date,
    source_system
from {{ ref('int_charges_assembled') }}
where is_convicted
