-- The disability column as districts write it: the certificate's grade (1-4) and,
-- when the sheet names a diagnosis (脑瘫, 唐氏综合征…), its words. The diagnosis is
-- personal data: supervisors' views and emails never show it.
-- Keep in step with the other migrations folder.
ALTER TABLE students ADD COLUMN diagnosis TEXT, ADD COLUMN disability_grade BIGINT;
