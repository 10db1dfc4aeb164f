-- A paused task keeps its schedule but starts no scheduled run: next_run_at stays NULL while it is
-- paused (the scheduler only takes tasks whose next_run_at is due), and resuming computes the next
-- time from the moment of resuming, so missed occurrences are not made up in a burst.
ALTER TABLE tasks ADD COLUMN paused boolean NOT NULL DEFAULT false;
