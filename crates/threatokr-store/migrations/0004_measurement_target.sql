-- Schema change 0004: what each measurement was scored against.
--
-- A key result's target can change in its OKR file during a cycle (`at_most: 0` becomes 1).
-- History is never rewritten: a measurement keeps the target it was scored against, as JSON
-- ({"type":"threshold","comparison":"at_most","limit":0.0} or {"type":"metric","start":..,
-- "target":..}), so a past day is shown as it was and a changed target applies from the day it
-- changed. NULL for rows recorded before this migration and for milestone and binary key results.
ALTER TABLE measurements ADD COLUMN scored_against TEXT
    CHECK (scored_against IS NULL OR json_valid(scored_against));
