-- 首次登录须改密码: set when an administrator creates an account or resets its password (the
-- administrator knows that password), cleared when its owner sets one.
ALTER TABLE accounts ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
