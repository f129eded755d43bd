-- A user's default method (issue 14): 'push', 'passcode' or 'token' (a hardware token's
-- passcode); NULL means none chosen (push before passcode, as before).
ALTER TABLE users ADD COLUMN default_method TEXT;
