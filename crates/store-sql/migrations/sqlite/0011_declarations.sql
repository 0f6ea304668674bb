-- 申报 (issue 15): who took a household's declaration of income, assets, expenses and supporters,
-- on which day, and the parts it declared empty ("无收入" is a declaration; silence is not). Every
-- declaration is kept; the newest of a household is its current one. Households registered before
-- this table have none: their parts with rows count as declared, the others as missing.
CREATE TABLE declarations (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    declared_on   TEXT NOT NULL,
    taken_by      TEXT NOT NULL,
    -- The parts declared empty, comma-separated codes (incomes,assets,expenses,supporters).
    none_parts    TEXT NOT NULL
);
CREATE INDEX declarations_household ON declarations (household_id, id);
