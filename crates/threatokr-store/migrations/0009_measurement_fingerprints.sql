-- Incremental measuring (issue 12): what a key result's value was computed from, so that
-- measuring again on unchanged inputs reuses the stored value instead of reading every finding.

-- A generation per (app, environment), bumped by every change to its findings or scans. A key
-- result that counts findings folds the generations of the scopes it reads into its fingerprint,
-- so an ingest into one scope invalidates only the key results that read it. Triggers keep it,
-- so that no write path (present, future, or a person with the sqlite3 shell) can forget to.
CREATE TABLE finding_scopes (
    app         TEXT NOT NULL,
    environment TEXT NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    PRIMARY KEY (app, environment)
) STRICT, WITHOUT ROWID;

INSERT INTO finding_scopes (app, environment, generation)
    SELECT app, environment, 1 FROM findings UNION SELECT app, environment, 1 FROM scans;

CREATE TRIGGER finding_scopes_finding_added AFTER INSERT ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_finding_changed AFTER UPDATE ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_finding_removed AFTER DELETE ON findings BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_scan_added AFTER INSERT ON scans BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_scan_changed AFTER UPDATE ON scans BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
    INSERT INTO finding_scopes (app, environment, generation) VALUES (NEW.app, NEW.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;
CREATE TRIGGER finding_scopes_scan_removed AFTER DELETE ON scans BEGIN
    INSERT INTO finding_scopes (app, environment, generation) VALUES (OLD.app, OLD.environment, 1)
        ON CONFLICT (app, environment) DO UPDATE SET generation = generation + 1;
END;

-- The fingerprint of a measurement's inputs (NULL: recorded before this migration, never reused)
-- and, as JSON, the parts of its value the other columns do not hold (notes, coverage, the day
-- it is as of, confidence, the age of its evidence).
ALTER TABLE measurements ADD COLUMN fingerprint TEXT;
ALTER TABLE measurements ADD COLUMN details TEXT CHECK (details IS NULL OR json_valid(details));
