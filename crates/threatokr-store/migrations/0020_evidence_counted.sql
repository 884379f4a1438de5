-- How many items of a measurement's evidence were counted (issue 12): a report, the dashboard and
-- `measure`'s table list only the first items counted and say how many there were, so that
-- reading back an unchanged value composes only the first runs of its evidence instead of all of
-- them (the evidence of a portfolio's key result runs to tens of megabytes). NULL for rows
-- recorded before, whose evidence is read whole to count it.
ALTER TABLE measurements ADD COLUMN evidence_counted INTEGER CHECK (evidence_counted IS NULL OR evidence_counted >= 0);
