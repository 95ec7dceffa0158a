-- V2: seed rows (data-model.md §3.1, §3.10, §3.12). Idempotent.

-- Roles: fixed ids relied on by users.role_id DEFAULT 2 and the permission classes.
INSERT INTO role (id, name) VALUES
    (1, 'admin-group'),
    (2, 'user-group'),
    (3, 'creator-group')
ON CONFLICT DO NOTHING;

-- Report types: fixed ids; 7 'Native' is used by socket reports and hidden from GET /report/type.
INSERT INTO report_type (id, description) VALUES
    (1, 'Spam content'),
    (2, 'Not safe for work (NSFW)'),
    (3, 'Contains visible title, watermark, or bug'),
    (4, 'Potentially unlicensed (original source needed)'),
    (5, 'Illegal or harassing material'),
    (6, 'Other content issue'),
    (7, 'Native')
ON CONFLICT DO NOTHING;

-- Feature flags.
INSERT INTO feature (name, is_active) VALUES
    ('SIGNUP_WITH_CODE', false)
ON CONFLICT DO NOTHING;
