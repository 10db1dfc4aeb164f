-- A plan writes a row to plan_listing for every file it lists, a million for a library of a million
-- files, and the foreign key to runs had each one checked: half of what writing them cost. The
-- rows are the plan's own while it runs, and it deletes them however it ends (plan.ts); what a
-- plan left behind when its worker died goes with its retried job, or with its run, here.
ALTER TABLE plan_listing DROP CONSTRAINT plan_listing_run_id_fkey;

CREATE FUNCTION plan_listing_of_deleted_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_listing WHERE run_id IN (SELECT id FROM deleted_runs);
  RETURN NULL;
END
$$;

CREATE TRIGGER runs_deleted_plan_listing AFTER DELETE ON runs
  REFERENCING OLD TABLE AS deleted_runs
  FOR EACH STATEMENT EXECUTE FUNCTION plan_listing_of_deleted_runs();
