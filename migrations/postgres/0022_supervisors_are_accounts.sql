-- One notion of 督导 (README, "Supervisors"): the people told when a child falls
-- behind are accounts. A supervisor account hears of its schools' children (or
-- the district's); a coordinator or admin registered with `supervisor add` under
-- its own email hears of its scope's (`hears_alerts`). The supervisors kept so
-- far beside the accounts become supervisor accounts with no password (they
-- log in after `user reset`), their robots kept. Keep in step with the other
-- migrations folder.
ALTER TABLE accounts ADD COLUMN hears_alerts BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN dingtalk_webhook TEXT;
ALTER TABLE accounts ADD COLUMN dingtalk_secret TEXT;
ALTER TABLE accounts ADD COLUMN wecom_webhook TEXT;

INSERT INTO accounts (email, name, role, district_wide, created_at, updated_at)
SELECT lower(s.email), s.name, 'supervisor', s.school_id IS NULL, s.created_at, s.updated_at
FROM staff s
WHERE s.role = 'supervisor' AND lower(s.email) NOT IN (SELECT email FROM accounts);

-- A school supervisor joins the schools of a school-scoped account of the same
-- email; a district one makes a supervisor account district-wide.
INSERT INTO account_schools (account_id, school_id)
SELECT a.id, s.school_id
FROM staff s JOIN accounts a ON a.email = lower(s.email)
WHERE s.role = 'supervisor' AND s.school_id IS NOT NULL
    AND a.role = 'supervisor' AND NOT a.district_wide
ON CONFLICT DO NOTHING;
UPDATE accounts SET district_wide = TRUE
WHERE role = 'supervisor' AND email IN (
    SELECT lower(email) FROM staff WHERE role = 'supervisor' AND school_id IS NULL);
DELETE FROM account_schools WHERE account_id IN (
    SELECT id FROM accounts WHERE role = 'supervisor' AND district_wide);

UPDATE accounts SET
    hears_alerts = role <> 'supervisor',
    dingtalk_webhook = (SELECT NULLIF(s.dingtalk_webhook, '') FROM staff s
        WHERE s.role = 'supervisor' AND lower(s.email) = accounts.email),
    dingtalk_secret = (SELECT NULLIF(s.dingtalk_secret, '') FROM staff s
        WHERE s.role = 'supervisor' AND lower(s.email) = accounts.email),
    wecom_webhook = (SELECT NULLIF(s.wecom_webhook, '') FROM staff s
        WHERE s.role = 'supervisor' AND lower(s.email) = accounts.email)
WHERE email IN (SELECT lower(email) FROM staff WHERE role = 'supervisor');

DELETE FROM staff WHERE role = 'supervisor';
