-- Family files in the back-office (issue 4): the adults a town knows, with or without an
-- account; the child's file (health, authorisations, persons allowed to collect); and the
-- imports of known families, processed in the background.

-- Searches compare names without case or French accents ("Hélène" finds "HELENE"). A plain
-- function rather than the unaccent extension: creating an extension needs privileges a
-- hosted database may not grant to the application's role. Accented capitals are listed
-- too: under the C locale, lower() leaves them alone.
create function fold_text(value text) returns text language sql immutable parallel safe as $$
  select translate(lower(value), 'àâäáãåçéèêëíìîïñóòôöõœúùûüýÿæÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕŒÚÙÛÜÝŸÆ',
                   'aaaaaaceeeeiiiinoooooouuuuyyaaaaaaaceeeeiiiinoooooouuuuyya')
$$;

-- When the current Clé Enfance was issued (the letter says it; a regeneration resets it).
alter table families add column cle_enfance_issued_at timestamptz not null default now();
create index families_name_idx on families (town_id, fold_text(name));

-- The adults of a family file as the town knows them. Accounts stay the parents' own
-- (accounts.family_id links them to the file, whichever way they were linked: Clé Enfance,
-- an agent's activation, Création rapide); a row here is the town's record of a person,
-- who may have no account at all. `account_id` is set when an agent pre-creates an account
-- for this very person, so the file shows one line for them, not two.
create table family_adults (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid not null,
  civility text not null check (civility in ('M', 'Mme')),
  last_name text not null,
  first_names text not null,
  -- '' when the town has no address for them (no Création rapide possible then).
  email text not null default '' check (email = lower(email)),
  phone text not null default '',
  account_id uuid unique references accounts (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade
);
create index family_adults_family_idx on family_adults (family_id);
create index family_adults_email_idx on family_adults (town_id, email) where email <> '';

-- The child's file. Text fields are '' when unknown; authorisations default to "no", the
-- answer that commits the family to nothing until someone says otherwise. The parents'
-- space will let the family edit these columns too.
alter table children
  add column health_notes text not null default '',
  add column allergies text not null default '',
  add column doctor_name text not null default '',
  add column doctor_phone text not null default '',
  add column photo_consent boolean not null default false,
  add column may_leave_alone boolean not null default false;
create index children_name_idx on children (town_id, fold_text(first_names));

-- Persons allowed to collect the child, in the order the family gave them.
create table child_authorised_persons (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  child_id uuid not null references children (id) on delete cascade,
  position smallint not null check (position between 1 and 10),
  full_name text not null,
  relationship text not null default '',
  phone text not null default '',
  created_at timestamptz not null default now(),
  unique (child_id, position)
);

-- A file of known families, stored as uploaded and processed by the import worker
-- (src/jobs/import-worker.ts): first the rows (family files, adults, children), in batches
-- that each move `processed_rows` forward, then the accounts of adults with an email,
-- one per transaction. `lease_until` keeps a second instance off a job being processed,
-- and lets another take it over if the process dies.
create table import_jobs (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  agent_id uuid references agents (id) on delete set null,
  -- Who started it, for the audit row written when it ends.
  actor_label text not null,
  ip text,
  file_name text not null,
  -- Emptied once the job is over: the rows now live in the family files.
  content bytea not null,
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
  phase text not null default 'rows' check (phase in ('rows', 'accounts')),
  total_rows integer not null default 0,
  processed_rows integer not null default 0,
  families_created integer not null default 0,
  families_existing integer not null default 0,
  adults_created integer not null default 0,
  children_created integer not null default 0,
  rows_rejected integer not null default 0,
  accounts_total integer not null default 0,
  accounts_created integer not null default 0,
  accounts_skipped integer not null default 0,
  -- Why a whole file was given up, in French, for the agent.
  failure text,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index import_jobs_queue_idx on import_jobs (created_at) where status in ('pending', 'running');
create index import_jobs_town_idx on import_jobs (town_id, created_at desc);

-- Rows refused (not imported) and remarks on rows imported (e.g. an email that already has
-- an account), with their line number in the file.
create table import_job_issues (
  id bigint generated always as identity primary key,
  job_id uuid not null references import_jobs (id) on delete cascade,
  line_number integer not null,
  kind text not null check (kind in ('rejected', 'warning')),
  message text not null
);
create index import_job_issues_job_idx on import_job_issues (job_id, kind, line_number);

-- The accounts an import has to pre-create: one per adult with an email, claimed one at a
-- time (FOR UPDATE SKIP LOCKED) so several transactions, or instances, share the work.
create table import_job_accounts (
  job_id uuid not null references import_jobs (id) on delete cascade,
  adult_id uuid not null references family_adults (id) on delete cascade,
  line_number integer not null,
  status text not null default 'pending' check (status in ('pending', 'created', 'skipped')),
  primary key (job_id, adult_id)
);
create index import_job_accounts_pending_idx on import_job_accounts (job_id, line_number) where status = 'pending';
