-- What each finding is about (issue 10): security, quality or license, decided by the SARIF
-- reader's documented rule. Findings stored before this migration count as security, which is
-- what every finding metric counted until then.
ALTER TABLE findings ADD COLUMN class TEXT NOT NULL DEFAULT 'security'
    CHECK (class IN ('security', 'quality', 'license'));
