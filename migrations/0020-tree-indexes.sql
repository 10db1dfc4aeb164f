-- A backup's tree is shown a folder at a time. Finding a folder's subfolders read every copy below
-- it (a second for the top of a backup of a million files), and a page's older versions of its files
-- read every copy of the task, as no index covered a file's replaced copies. A restore of a folder
-- took apart every copy of its top folder to find those below it.
--
-- copies_folder_idx orders each task's copies by their folder, then path, byte-wise whatever the
-- database's locale: a folder's files are one range of it, what is below it another, and its
-- subfolders are found by jumping from one to the next (snapshots.ts: TREE, and atOrBelow for a
-- restore's selection). The expression is snapshots.ts's FOLDER: a query uses the index only where
-- it writes the very same expression. It takes the place of copies_task_idx, whose path order (in
-- the database's collation) no query used; look-ups by task use either index here.
CREATE INDEX copies_folder_idx ON copies (
  task_id,
  (CASE WHEN strpos(path, '/') = 0 THEN ''
        ELSE substr(path, 1, length(path) - strpos(reverse(path), '/')) END) COLLATE "C",
  path COLLATE "C"
);
DROP INDEX copies_task_idx;

-- Every copy of a file, replaced or not (copies_newest holds only the newest).
CREATE INDEX copies_source_idx ON copies (task_id, source_id, id);
