-- Absences (Signaler une absence) and attendance sheets (issue 6).

-- An absence report is a request of type 'absence' (0008): its status, history, messages
-- and justificatifs (request_attachments, which the agents handling it read) are the
-- request's. These rows say what it is about, day by day, so the agents' rosters, the
-- attendance sheet and billing read it without parsing a payload.
create table absence_days (
  town_id uuid not null,
  request_id uuid not null,
  activity_id uuid not null,
  enrolment_id uuid not null,
  child_id uuid not null references children (id) on delete cascade,
  day date not null,
  -- Whether a place was booked for the child that day when the absence was reported.
  was_reserved boolean not null,
  -- Set by the request's decision: accepted → true, and billing leaves the day out;
  -- refused (or still pending) → false.
  justified boolean not null default false,
  primary key (request_id, activity_id, day),
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  foreign key (town_id, enrolment_id) references enrolments (town_id, id) on delete cascade
);
create index absence_days_activity_day_idx on absence_days (activity_id, day);
create index absence_days_child_idx on absence_days (town_id, child_id, day);

-- Step 1 of "Signaler une absence", checked and kept until the parent presses VALIDER on
-- the recap (step 2). The files uploaded at step 1 wait here, so the recap does not ask
-- for them again; VALIDER moves everything into the request in one transaction and
-- deletes the draft. Housekeeping removes drafts nobody validated after a day.
create table absence_drafts (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  account_id uuid not null,
  -- The checked step 1: child, enrolments, days, comment, the piece's fields, the documents
  -- chosen from the private storage. See src/features/absences/.
  data jsonb not null,
  created_at timestamptz not null default now(),
  foreign key (town_id, account_id) references accounts (town_id, id) on delete cascade,
  unique (town_id, id)
);
create index absence_drafts_created_idx on absence_drafts (created_at);

create table absence_draft_files (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  draft_id uuid not null,
  position smallint not null check (position between 1 and 4),
  file_name text not null check (length(file_name) between 1 and 200),
  content_type text not null check (content_type in (
    'application/pdf', 'image/png', 'image/jpeg', 'image/bmp',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/msword'
  )),
  size_bytes integer not null check (size_bytes between 1 and 3276800),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null check (octet_length(content) = size_bytes),
  foreign key (town_id, draft_id) references absence_drafts (town_id, id) on delete cascade,
  unique (draft_id, position)
);
alter table absence_draft_files alter column content set storage external;

-- The attendance sheet: who came, per activity and day, as an agent recorded it. A child
-- present without a booked place is billed +30 % (seed 004); `reserved` keeps whether
-- there was one when the sheet was recorded, so a later change of reservation cannot
-- rewrite what was billed.
create table attendance (
  town_id uuid not null,
  activity_id uuid not null,
  day date not null,
  child_id uuid not null references children (id) on delete cascade,
  enrolment_id uuid not null,
  present boolean not null,
  reserved boolean not null,
  recorded_by uuid references agents (id) on delete set null,
  recorded_at timestamptz not null default now(),
  primary key (activity_id, day, child_id),
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  foreign key (town_id, enrolment_id) references enrolments (town_id, id) on delete cascade
);
create index attendance_child_idx on attendance (town_id, child_id, day);
