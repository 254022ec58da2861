-- Enrolment from the parent's side (issue 16): what the public offer shows of an activity,
-- who may enrol in it and with which pieces, when its enrolment opens, and the parents'
-- applications (requests of type 'enrolment', 0008) with their place in a fair allocation.
-- See docs/adr/0019-enrolment.md.

alter table activities
  -- The town's service it belongs to, for the offer's grouping ("Accueil de loisirs", "Sport").
  add column service text not null default '' check (length(service) <= 80),
  add column description text not null default '' check (length(description) <= 2000),
  -- Age in whole years on the activity's first day, limits included; null: no limit.
  add column min_age smallint check (min_age between 0 and 25),
  add column max_age smallint check (max_age between 0 and 25),
  -- School levels (PS … CM2) it is meant for; empty: every level. Read from children.class_name.
  add column school_levels text[] not null default '{}'
    check (school_levels <@ array['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2']),
  -- The pieces a parent attaches: [{ "kind": <private_documents.kind>, "maxAgeMonths": n | null }].
  add column required_pieces jsonb not null default '[]' check (jsonb_typeof(required_pieces) = 'array'),
  add column asks_pai boolean not null default false,
  add column asks_diet boolean not null default false,
  -- Online enrolment: closed to parents while opens_at is null.
  add column enrolment_opens_at timestamptz,
  add column enrolment_closes_at timestamptz,
  -- Fair allocation: applications of the first window are ranked by the published criteria
  -- and a recorded draw, not by who clicked first.
  add column fair_window_minutes integer check (fair_window_minutes between 1 and 10080),
  -- The draw's seed, written once when places are allocated: the ranking can be replayed from it.
  add column allocation_seed text check (allocation_seed ~ '^[0-9a-f]{32}$'),
  add column allocated_at timestamptz,
  add constraint activities_age_range check (min_age is null or max_age is null or min_age <= max_age),
  add constraint activities_enrolment_period check (enrolment_closes_at is null or enrolment_opens_at is null or enrolment_closes_at > enrolment_opens_at),
  add constraint activities_fair_needs_opening check (fair_window_minutes is null or enrolment_opens_at is not null);

-- One application per request: the activity and child it is for, in arrival order.
create table enrolment_applications (
  request_id uuid primary key,
  town_id uuid not null references towns (id) on delete cascade,
  activity_id uuid not null,
  family_id uuid not null,
  child_id uuid not null,
  -- Arrival order: ties of the clock cannot reorder it.
  seq bigint generated always as identity,
  received_at timestamptz not null,
  -- Written by the allocation: the rank on the published ranking, and what came of it.
  rank integer check (rank >= 1),
  allocation text check (allocation in ('offered', 'waiting')),
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, child_id) references children (town_id, id) on delete cascade,
  check ((rank is null) = (allocation is null))
);
create index enrolment_applications_activity_idx on enrolment_applications (activity_id, seq);
create index enrolment_applications_family_idx on enrolment_applications (town_id, family_id);
