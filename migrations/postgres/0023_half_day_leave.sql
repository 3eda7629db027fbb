-- Leave can be for some half-days only (`teacher leave add --slot 周三下午`):
-- the weekly half-days it covers between its first and last day, written as
-- availability is (`Wed-PM Thu-AM`); empty is the whole days. Keep in step with
-- the other migrations folder.
ALTER TABLE teacher_leaves ADD COLUMN slots TEXT NOT NULL DEFAULT '';
