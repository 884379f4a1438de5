-- The statuses last recorded (issue 12): a hash of every threat and control status observed in
-- the models, and the day it was recorded. Measuring again with the same models observes the
-- same statuses, which are then already each entity's latest: nothing to look up or write.
CREATE TABLE status_snapshot (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    hash TEXT NOT NULL,
    at   TEXT NOT NULL
) STRICT;
