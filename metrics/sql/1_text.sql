-- number_text(x), percent_text(x): a figure as the stage criteria write it
-- in Chinese: whole numbers without decimals, others to one decimal; a
-- figure just short of a whole number is cut rather than rounded, so that
-- 9.96 reads 9.9 and never as the threshold 10.
CREATE OR REPLACE MACRO number_text(x) AS
    CASE WHEN x = round(x) THEN printf('%d', CAST(x AS BIGINT))
         WHEN round(x, 1) = round(x) THEN printf('%.1f', floor(x * 10) / 10)
         ELSE printf('%.1f', round(x, 1)) END;
CREATE OR REPLACE MACRO percent_text(x) AS
    number_text(round(x * 100, 9)) || '%';
