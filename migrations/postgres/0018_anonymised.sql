-- When the retention job anonymised a child who left (个人信息保护法): the figures
-- stay, the personal details are gone. Keep in step with the other migrations folder.
ALTER TABLE students ADD COLUMN anonymised_at TIMESTAMPTZ;
