-- A restore's plan finds each copy of its point in time in a listing of the backup's destination.
-- That listing goes to plan_listing too ('b': a path key and what the listing said of the file
-- there), instead of into a map in memory, which for a backup of a million files took several
-- hundred MiB of every worker that planned one.
ALTER TABLE plan_listing ADD COLUMN item jsonb;
ALTER TABLE plan_listing DROP CONSTRAINT plan_listing_kind_check;
ALTER TABLE plan_listing ADD CONSTRAINT plan_listing_kind_check CHECK (kind IN ('s', 'd', 'b'));
