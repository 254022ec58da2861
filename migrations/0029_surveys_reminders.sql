-- Issue 17: "Votre avis nous intéresse" (a town's satisfaction survey) and the reminders
-- mailed before a booking deadline or an invoice's due date.

-- A survey an admin opens: one to three rating questions (1 to 5) and a comment. Closing it
-- (closed_at) or passing its closing day ends it; past surveys stay, with their results.
create table surveys (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  title text not null check (length(title) between 1 and 120),
  intro text not null default '' check (length(intro) <= 2000),
  questions text[] not null check (cardinality(questions) between 1 and 3),
  opens_on date not null,
  closes_on date not null,
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  check (closes_on >= opens_on),
  unique (town_id, id)
);
-- One survey at a time per town: a new one can be opened once the current one is closed.
create unique index surveys_one_open_idx on surveys (town_id) where closed_at is null;

-- Who has answered, only to answer once: nothing links this row to the answer.
create table survey_participations (
  town_id uuid not null,
  survey_id uuid not null,
  account_id uuid not null,
  created_at timestamptz not null default now(),
  constraint survey_participations_once primary key (survey_id, account_id),
  foreign key (town_id, survey_id) references surveys (town_id, id) on delete cascade,
  foreign key (town_id, account_id) references accounts (town_id, id) on delete cascade
);

-- The answers, anonymous: no account, no family, no time (which the participations' could be
-- matched with); results list them in no particular order.
create table survey_answers (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  survey_id uuid not null,
  ratings smallint[] not null check (1 <= all (ratings) and 5 >= all (ratings)),
  comment text not null default '' check (length(comment) <= 1000),
  foreign key (town_id, survey_id) references surveys (town_id, id) on delete cascade
);
create index survey_answers_survey_idx on survey_answers (survey_id);

-- Which reminders an account wants (Mon compte › Rappels): all on by default. No row = the defaults.
create table reminder_preferences (
  account_id uuid primary key references accounts (id) on delete cascade,
  bookings boolean not null default true,
  dossiers boolean not null default true,
  invoices boolean not null default true,
  updated_at timestamptz not null default now()
);

-- Each reminder mailed: the key is the "once" (a rerun, or two instances, send nothing twice).
-- subject_id: the enrolment or the invoice; period: the month ('YYYY-MM') or the due day.
create table sent_reminders (
  town_id uuid not null references towns (id) on delete cascade,
  account_id uuid not null references accounts (id) on delete cascade,
  kind text not null check (kind in ('booking', 'invoice')),
  subject_id uuid not null,
  period text not null,
  sent_at timestamptz not null default now(),
  primary key (account_id, kind, subject_id, period)
);
