-- DingTalk and WeCom group robots beside email (README, "Group robots"). An
-- outbox row names its channel; for a robot its recipient is who owns the robot
-- (`supervisor:<email>`, `group:<school>`, `group:*` for the district), and the
-- webhook and secret are looked up when it is sent, so a corrected setting
-- applies to what is still queued. Keep in step with the other migrations folder.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'
    CHECK (channel IN ('email', 'dingtalk', 'wecom'));
ALTER TABLE staff ADD COLUMN dingtalk_webhook TEXT;
ALTER TABLE staff ADD COLUMN dingtalk_secret TEXT;
ALTER TABLE staff ADD COLUMN wecom_webhook TEXT;
