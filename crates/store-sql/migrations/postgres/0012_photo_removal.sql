-- A survey photo taken by mistake (the wrong house, a visible ID card) is removed before the survey
-- is submitted, with a reason (issue 15). The row and its bytes stay for the audit; a removed photo
-- is no longer shown, served or counted in the survey.
ALTER TABLE case_photos ADD COLUMN removed_at TIMESTAMPTZ;
ALTER TABLE case_photos ADD COLUMN removed_by TEXT;
ALTER TABLE case_photos ADD COLUMN removed_reason TEXT;
