-- policy_number(key), policy_text(key): a policy value of ref_policy
-- (data/policy.csv or the user's --policy file).
CREATE OR REPLACE MACRO policy_number(policy_key) AS
    (SELECT CAST(value AS DOUBLE) FROM ref_policy WHERE key = policy_key);
CREATE OR REPLACE MACRO policy_text(policy_key) AS
    (SELECT value FROM ref_policy WHERE key = policy_key);
