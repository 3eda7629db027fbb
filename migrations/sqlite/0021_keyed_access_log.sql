-- The access log's chain is keyed (HMAC-SHA256 under a key derived from the
-- secrets key, kept outside the database). The head's place and where the chain
-- may begin after pruning are sealed with it, so that rows removed at either
-- end are found; `songjiao init` re-chains the rows written before.
ALTER TABLE access_log_head ADD COLUMN last_id BIGINT;
ALTER TABLE access_log_head ADD COLUMN head_seal TEXT;
ALTER TABLE access_log_head ADD COLUMN start_seal TEXT;
