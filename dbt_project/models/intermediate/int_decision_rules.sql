-- The deciding rule of each charge under each law: the first rule in rule_order whose verdict
-- decides (int_rule_results.decides), with its verdict, eligible_on, the rule's outcome,
-- relief, reason and citations, and the rules trace (every rule tried up to and including it).
-- Grain: one row per (program, charge_key) that some rule decides; a charge no rule decides
-- has no row (fct_decisions: needs_review, 'no_rule'). Computed once, before the decision
-- table: at statewide size fct_decisions ran out of memory holding this, the deciding rule's
-- re-evaluated conditions and the roll-up in one query (macros/rule_verdicts.sql decision_rules).
{{ decision_rules(ref('int_rule_results')) }}
