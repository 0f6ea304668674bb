-- 暂停发放 (issue 16 §9): a benefit held while it is reviewed. Its months from held_from are not
-- paid (held lines are cancelled before money leaves) until the review releases them (paid then
-- as arrears) or ends the benefit (the last month paid is the one before held_from).
-- Keep in step with migrations/postgres.
ALTER TABLE benefits ADD COLUMN held_from TEXT;
