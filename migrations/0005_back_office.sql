-- Back-office lists (issue 4): accounts to activate and the audit log viewer.

-- Accounts to activate are listed oldest first by the moment the parent confirmed their
-- email: the services' "48 heures ouvrées" run from then (the activation mail says the
-- services' validation comes after the link).
create index accounts_awaiting_confirmed_idx on accounts (town_id, email_confirmed_at, created_at)
  where validation_status = 'awaiting_services';

-- The admins' audit log viewer filters a town's rows by action (and by agent, which
-- audit_log_agent_idx serves), newest first.
create index audit_log_town_action_idx on audit_log (town_id, action, created_at desc);
