-- The yearly dossier renewal campaign (issue 16, ADR 0020): agents open a campaign for the
-- next school year; each child's renewal is a request of the new type 'renewal', and the
-- child's status (à faire, envoyé, incomplet, validé) is read from that request's status,
-- so the campaign's page and the requests' queue can never disagree.

create table renewal_campaigns (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  title text not null check (length(title) between 1 and 120),
  -- The next school year: the enrolments a validation creates run over it (clipped to each activity's dates).
  year_start date not null,
  year_end date not null,
  -- Families send their renewal from opens_on to closes_on, both days included.
  opens_on date not null,
  closes_on date not null,
  -- Document kinds (private_documents.kind) each child's renewal must carry.
  required_kinds text[] not null default '{}',
  -- Days before closes_on on which families not finished are mailed (e.g. {7,2}).
  reminder_days smallint[] not null default '{7,2}' check (reminder_days <@ array[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30]::smallint[]),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (year_end > year_start),
  check (closes_on >= opens_on),
  unique (town_id, id)
);
create index renewal_campaigns_town_idx on renewal_campaigns (town_id, opens_on desc);

-- The activities concerned: re-enrolment is pre-filled from the child's enrolments in them.
create table renewal_campaign_activities (
  town_id uuid not null,
  campaign_id uuid not null,
  activity_id uuid not null,
  primary key (campaign_id, activity_id),
  foreign key (town_id, campaign_id) references renewal_campaigns (town_id, id) on delete cascade,
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade
);

-- What a family sent for a child: the request it made and the activities chosen. A refused
-- renewal may be sent again: the child's latest submission is the one that counts.
create table renewal_submissions (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  campaign_id uuid not null,
  family_id uuid not null,
  child_id uuid not null,
  request_id uuid not null,
  activity_ids uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  foreign key (town_id, campaign_id) references renewal_campaigns (town_id, id) on delete cascade,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, child_id) references children (town_id, id) on delete cascade,
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  unique (request_id)
);
create index renewal_submissions_child_idx on renewal_submissions (campaign_id, child_id, created_at desc);

-- Each reminder mailed, once per family and per reminder day: the key is the "once".
create table renewal_reminders (
  town_id uuid not null,
  campaign_id uuid not null,
  family_id uuid not null,
  days_before smallint not null,
  sent_at timestamptz not null default now(),
  primary key (campaign_id, family_id, days_before),
  foreign key (town_id, campaign_id) references renewal_campaigns (town_id, id) on delete cascade,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade
);

-- The request type, added to whatever list the check holds now (see 0017).
do $$
declare
  current_name text;
  current_def text;
begin
  select c.conname, pg_get_constraintdef(c.oid) into current_name, current_def
    from pg_constraint c
   where c.conrelid = 'requests'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%''child_update''%';
  if current_def is null then
    raise exception 'the check of requests.type was not found';
  end if;
  if position('''renewal''' in current_def) > 0 then
    return;
  end if;
  execute format('alter table requests drop constraint %I', current_name);
  execute 'alter table requests add constraint requests_type_check '
    || replace(current_def, 'ARRAY[', 'ARRAY[''renewal''::text, ');
end;
$$;

-- School sectors (issue 16's school pre-enrolment, its first part): the town's schools and
-- the street-to-school table agents maintain (by hand or by CSV import). A street is kept as
-- typed (for the agents) and normalised (street_key, src/features/school-enrolment/street.ts)
-- for the lookup from a family's address.
create table schools (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  kind text not null check (kind in ('maternelle', 'elementaire')),
  address text not null default '' check (length(address) <= 200),
  created_at timestamptz not null default now(),
  unique (town_id, id),
  unique (town_id, name)
);

create table school_sectors (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  street_label text not null check (length(street_label) between 1 and 200),
  street_key text not null check (length(street_key) between 1 and 200),
  -- Optional house-number range, both ends included; null = no bound on that side.
  number_from integer check (number_from between 1 and 99999),
  number_to integer check (number_to between 1 and 99999),
  postal_code text not null check (postal_code ~ '^[0-9]{5}$'),
  school_id uuid not null,
  created_at timestamptz not null default now(),
  check (number_from is null or number_to is null or number_from <= number_to),
  foreign key (town_id, school_id) references schools (town_id, id) on delete cascade
);
create index school_sectors_lookup_idx on school_sectors (town_id, street_key, postal_code);

-- The school pre-enrolment's request type, added as 'renewal' was above.
do $$
declare
  current_name text;
  current_def text;
begin
  select c.conname, pg_get_constraintdef(c.oid) into current_name, current_def
    from pg_constraint c
   where c.conrelid = 'requests'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%''child_update''%';
  if current_def is null then
    raise exception 'the check of requests.type was not found';
  end if;
  if position('''school_enrolment''' in current_def) > 0 then
    return;
  end if;
  execute format('alter table requests drop constraint %I', current_name);
  execute 'alter table requests add constraint requests_type_check '
    || replace(current_def, 'ARRAY[', 'ARRAY[''school_enrolment''::text, ');
end;
$$;
