-- Copies that are not the original bytes (Google Photos Picker copies: location stripped, videos
-- transcoded) are marked, so a later full-fidelity copy of the same photo can supersede them.
ALTER TABLE run_items ADD COLUMN fidelity text NOT NULL DEFAULT 'original' CHECK (fidelity IN ('original', 'reduced'));
ALTER TABLE manifest ADD COLUMN fidelity text NOT NULL DEFAULT 'original' CHECK (fidelity IN ('original', 'reduced'));
