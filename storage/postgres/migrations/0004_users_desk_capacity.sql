-- An account's capacity may be 0: "the desk's default" (handoff.capacity),
-- resolved when the desk uses it, so changing handoff.capacity reaches
-- everyone nobody gave a capacity of their own. Accounts keep the capacity
-- they have; an admin sets one to the default by clearing it.
ALTER TABLE users DROP CONSTRAINT users_capacity_check;
ALTER TABLE users ADD CONSTRAINT users_capacity_check CHECK (capacity >= 0);
ALTER TABLE users ALTER COLUMN capacity SET DEFAULT 0;
