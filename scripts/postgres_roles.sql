-- The Clean Slate warehouse database and its roles (PostgreSQL 15+). Run as a superuser with
-- psql, connected to the warehouse database, with the variables
--   -v loader_password=... -v transformer_password=... -v analyst_password=... -v auditor_password=...
-- scripts/postgres.sh runs it on its throwaway server; a production DBA runs the same file.
-- Idempotent. The database itself must use the C collation (text sorts byte-wise, as in DuckDB
-- and Spark): createdb --template=template0 --encoding=UTF8 --locale=C cleanslate
--
-- Roles and what each may do (the grants on dbt's models are dbt's: dbt_project.yml `grants`
-- and the on-run-end hook in macros/grants.sql):
--   cleanslate_loader       writes the landing schemas: raw (staged extract records, rejects,
--                           file manifests) and rules (the compiled rulebook). Reads nothing else.
--   cleanslate_transformer  runs dbt: reads raw and rules, owns the layer schemas it builds
--                           (staging, intermediate, marts, analytics, audit).
--   cleanslate_analyst      reads the pseudonymous marts only (schema analytics).
--   cleanslate_auditor      reads the decisions and their lineage (fct_decisions,
--                           fct_decision_criteria, fct_decision_lineage); writes nothing.

select format('create role %I login', r)
from unnest(array['cleanslate_loader', 'cleanslate_transformer', 'cleanslate_analyst',
                  'cleanslate_auditor']) as r
where not exists (select from pg_roles where rolname = r)
\gexec

alter role cleanslate_loader password :'loader_password';
alter role cleanslate_transformer password :'transformer_password';
alter role cleanslate_analyst password :'analyst_password';
alter role cleanslate_auditor password :'auditor_password';

select format('revoke all on database %I from public', current_database()) \gexec
select format('grant connect on database %I to cleanslate_loader, cleanslate_transformer, '
              'cleanslate_analyst, cleanslate_auditor', current_database()) \gexec
-- dbt creates the layer schemas it builds into (and owns them)
select format('grant create on database %I to cleanslate_transformer', current_database()) \gexec
revoke create on schema public from public;

-- The landing schemas belong to the loader; the transformer reads every table in them.
create schema if not exists raw authorization cleanslate_loader;
create schema if not exists rules authorization cleanslate_loader;
grant usage on schema raw, rules to cleanslate_transformer;
alter default privileges for role cleanslate_loader in schema raw, rules
    grant select on tables to cleanslate_transformer;
