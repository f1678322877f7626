-- desk schema, version 5: counter intake (docs/intake.md).

-- The number a case made at this desk gets at once (`L-PUPR-0007`), printed on the citizen's
-- receipt, until the central system assigns the real tracking number on sync. Kept after that
-- too, so the number on the receipt still finds the case. NULL for every other case.
-- Unique on a desk (the desk makes them); the central server keeps the desks' numbers as they
-- came and stores none that another case already holds.
ALTER TABLE cases ADD COLUMN provisional_no TEXT;
CREATE UNIQUE INDEX cases_by_provisional_no ON cases(provisional_no)
    WHERE provisional_no IS NOT NULL;
