-- One job queue (pg-boss, schema "pgboss", installed by the migrate step right after these
-- files: ADR 0013). mail_outbox stays the record of every mail (what /_dev/mail lists and
-- what the job sends); the job carries its id. Retries and their timing now belong to the
-- queue, so the outbox's own schedule goes.
drop index mail_outbox_due_idx;
alter table mail_outbox drop column next_attempt_at;
alter table mail_outbox add column job_id uuid;
comment on column mail_outbox.job_id is 'The pg-boss job (queue "mail") that sends it; null only before the upgrade step queues it.';

-- An import is run by one job of the queue "import"; lease_until stays as the fence that keeps
-- a job taken over after an expiry from racing the process that still runs it.
alter table import_jobs add column job_id uuid;
comment on column import_jobs.job_id is 'The pg-boss job (queue "import") that runs it.';
