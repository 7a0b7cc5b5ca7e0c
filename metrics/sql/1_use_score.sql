-- use_score(baseinfo_rate, service_rate, summary_rate): the system use
-- score (indicators.md "System use timeliness"), 0-100: the rates weighted
-- by policy.use_weight_*; a NULL rate (nothing counted) leaves its weight
-- out and the others are rescaled. Rounded to 9 decimals: 79.999999999999986
-- is the 80 a person computes, for the warning line and for ties.
CREATE OR REPLACE MACRO use_score(baseinfo_rate, service_rate, summary_rate) AS
round(100 * (coalesce(policy_number('use_weight_baseinfo') * baseinfo_rate, 0)
     + coalesce(policy_number('use_weight_services') * service_rate, 0)
     + coalesce(policy_number('use_weight_summaries') * summary_rate, 0))
    / nullif(CASE WHEN baseinfo_rate IS NULL THEN 0 ELSE policy_number('use_weight_baseinfo') END
           + CASE WHEN service_rate IS NULL THEN 0 ELSE policy_number('use_weight_services') END
           + CASE WHEN summary_rate IS NULL THEN 0 ELSE policy_number('use_weight_summaries') END, 0), 9);
