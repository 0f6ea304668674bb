-- A payroll's lines name their payroll and household: checked once per statement, not per line.
-- A foreign key checks each inserted row on its own (a lookup and a row lock each): with two of
-- them, writing 1,000,000 lines took 15.5 s instead of 10.2 s (measured 2026-12-07 on the bench's
-- database, docs/payments.md §六). The same guarantee, set-based:
--   * every statement that inserts lines is checked against payrolls and households as a whole
--     (an anti-join over the statement's new rows) and fails as a foreign key would (23503);
--   * a line never moves to another payroll or household;
--   * a payroll or household that lines name is never deleted nor renumbered (jiuzhu deletes
--     neither; these guard a hand-edited database).
-- Unlike a foreign key, the check takes no lock on the rows it names: a delete racing an insert
-- is not caught, and none is ever issued. SQLite keeps its foreign keys (cheap there).
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_payroll_id_fkey;
ALTER TABLE payment_lines DROP CONSTRAINT payment_lines_household_id_fkey;

CREATE FUNCTION payment_lines_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_lines n WHERE NOT EXISTS (SELECT 1 FROM payrolls p WHERE p.id = n.payroll_id)) THEN
    RAISE EXCEPTION 'payment_lines: a line names a payroll that does not exist'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'payment_lines_payroll_id_fkey';
  END IF;
  IF EXISTS (SELECT 1 FROM new_lines n WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.id = n.household_id)) THEN
    RAISE EXCEPTION 'payment_lines: a line names a household that does not exist'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'payment_lines_household_id_fkey';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER payment_lines_references AFTER INSERT ON payment_lines
  REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION payment_lines_check_references();

CREATE FUNCTION payment_lines_refuse_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payment_lines: line % may not change its payroll or household', OLD.id
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'payment_lines_payroll_id_fkey';
END $$;

CREATE TRIGGER payment_lines_fixed_references BEFORE UPDATE ON payment_lines FOR EACH ROW
  WHEN (NEW.payroll_id IS DISTINCT FROM OLD.payroll_id OR NEW.household_id IS DISTINCT FROM OLD.household_id)
  EXECUTE FUNCTION payment_lines_refuse_move();

CREATE FUNCTION payment_lines_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF (TG_TABLE_NAME = 'payrolls' AND EXISTS (SELECT 1 FROM payment_lines l WHERE l.payroll_id = OLD.id))
     OR (TG_TABLE_NAME = 'households' AND EXISTS (SELECT 1 FROM payment_lines l WHERE l.household_id = OLD.id)) THEN
    RAISE EXCEPTION '%: row % is named by payment lines', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'payment_lines_' || CASE TG_TABLE_NAME WHEN 'payrolls' THEN 'payroll' ELSE 'household' END || '_id_fkey';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER payrolls_named_by_lines BEFORE DELETE OR UPDATE OF id ON payrolls FOR EACH ROW
  EXECUTE FUNCTION payment_lines_keep_referenced();
CREATE TRIGGER households_named_by_lines BEFORE DELETE OR UPDATE OF id ON households FOR EACH ROW
  EXECUTE FUNCTION payment_lines_keep_referenced();
