-- The mode an unfinished upload session (upload_state) was started with: a resumed upload keeps
-- it, so an upload meant never to replace a file does not replace one when it is taken up again.
ALTER TABLE run_items ADD COLUMN upload_mode text CHECK (upload_mode IN ('create', 'replace'));
-- The source waits before it gives the item's bytes (a Google Photos video still being processed):
-- why, and until when at the latest. Cleared when the wait ends.
ALTER TABLE run_items ADD COLUMN waiting text;
ALTER TABLE run_items ADD COLUMN waiting_until timestamptz;
