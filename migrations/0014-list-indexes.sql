-- The API's lists page by their sort key (created_at, id) (paging.ts). The indexes they read had
-- created_at only: every page sorted the owner's rows again for the id, and a later page's position
-- ((created_at, id) < the cursor) was a filter over the rows before it. With the id in the index, a
-- page is read in the index's own order from the cursor on, however many rows the owner has.
-- (Built inside the migration's transaction, so writes to these tables wait while they are built.)

-- GET /runs: an account's runs, newest first.
CREATE INDEX runs_user_page_idx ON runs (user_id, created_at DESC, id DESC);
DROP INDEX runs_user_idx;
-- GET /tasks/:id/runs: a task's runs, newest first.
CREATE INDEX runs_task_page_idx ON runs (task_id, created_at DESC, id DESC);
DROP INDEX runs_task_idx;
-- GET /tasks: an account's tasks, oldest first.
CREATE INDEX tasks_user_page_idx ON tasks (user_id, created_at, id);
DROP INDEX tasks_user_idx;
