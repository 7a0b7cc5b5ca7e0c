-- policy_number(key): a numeric policy value of ref_policy (data/policy.csv).
CREATE OR REPLACE MACRO policy_number(policy_key) AS
    (SELECT CAST(value AS DOUBLE) FROM ref_policy WHERE key = policy_key);
