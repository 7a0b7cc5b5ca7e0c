-- number_text(x, limit), percent_text(x, limit): a figure as the stage
-- criteria write it in Chinese: a whole number without decimals, others
-- rounded to one decimal (half away from zero) — except that a figure
-- short of its limit is cut rather than rounded when rounding would reach
-- the limit, so that 9.96 of a required 10 reads 9.9, never 10. limit
-- NULL: plain rounding (the thresholds themselves).
CREATE OR REPLACE MACRO number_text(x, limit_value) AS
    CASE WHEN x = round(x) THEN printf('%d', CAST(x AS BIGINT))
         WHEN x < limit_value AND round(x, 1) >= limit_value THEN printf('%.1f', floor(x * 10) / 10)
         ELSE printf('%.1f', round(x, 1)) END;
CREATE OR REPLACE MACRO percent_text(x, limit_value) AS
    number_text(round(x * 100, 9), round(limit_value * 100, 9)) || '%';
