-- Activities of a town, the children enrolled in them, and the days reserved.
--
-- Capacity is exact under concurrency: every booking or cancellation of a day first locks
-- that day's row in activity_days (SELECT … FOR UPDATE, always in (activity, day) order so
-- two batches never deadlock) and decides booked or waiting from its counter. The counter
-- itself is kept by a trigger on reservations, so it equals the number of booked rows
-- whatever deletes them (a cascade included), and the CHECKs make an overbooking
-- impossible even for a faulty caller. See src/features/reservations/reservations.service.ts.

create table activities (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  site text not null default '' check (length(site) <= 120),
  -- What one reservation books, as the grid says it: "Repas", "Journée", "Matin"…
  unit text not null default 'Repas' check (length(unit) between 1 and 40),
  start_date date not null,
  end_date date not null,
  -- ISO weekdays the activity runs on: 1 = Monday … 7 = Sunday.
  weekdays smallint[] not null check (cardinality(weekdays) between 1 and 7 and weekdays <@ array[1, 2, 3, 4, 5, 6, 7]::smallint[]),
  -- School-week activities (meals, Wednesdays) stop during school holidays; holiday sessions
  -- (ALSH) run only then; 'all' ignores them. Public holidays and closures stop every kind.
  runs_during text not null default 'school_weeks' check (runs_during in ('school_weeks', 'school_holidays', 'all')),
  -- Places per day; null means no limit.
  capacity integer check (capacity is null or capacity between 1 and 10000),
  -- DeadlineRule (src/lib/deadlines.ts) for booking and for cancelling; null = the town's
  -- deadline_rules (booking) and the booking rule (cancelling).
  booking_rule jsonb,
  cancellation_rule jsonb,
  -- 'immediate': a reservation is confirmed when the parent validates; 'agent': it holds
  -- its place but waits for an agent's confirmation.
  confirmation text not null default 'immediate' check (confirmation in ('immediate', 'agent')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (end_date >= start_date),
  unique (town_id, id),
  unique (town_id, name, site, start_date)
);

create table enrolments (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  activity_id uuid not null,
  child_id uuid not null references children (id) on delete cascade,
  start_date date not null,
  end_date date not null,
  created_by uuid references agents (id) on delete set null,
  created_at timestamptz not null default now(),
  check (end_date >= start_date),
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  unique (town_id, id),
  unique (activity_id, child_id, start_date)
);
create index enrolments_child_idx on enrolments (town_id, child_id);

-- One row per activity and day that has ever been booked: the lock and the counter.
create table activity_days (
  activity_id uuid not null references activities (id) on delete cascade,
  day date not null,
  -- Copied from the activity when the row is created; an agent lowering the capacity never
  -- goes below what is already booked (see updateActivity).
  capacity integer check (capacity is null or capacity >= 0),
  booked integer not null default 0,
  primary key (activity_id, day),
  check (booked >= 0),
  check (capacity is null or booked <= capacity)
);

-- What a parent validated in one go (the recap's VALIDER): its idempotency key makes a
-- double click or a retried form one submission. When the requests model lands, a request
-- of type 'reservation' points here (request_id), and the agents' queue shows it.
create table reservation_submissions (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid not null,
  account_id uuid references accounts (id) on delete set null,
  activity_id uuid not null,
  idempotency_key text not null check (length(idempotency_key) between 16 and 64),
  status text not null check (status in ('confirmed', 'awaiting_agent', 'refused')),
  -- Per child and day: what was asked and what came of it (booked, waiting, cancelled).
  outcome jsonb not null default '[]',
  request_id uuid,
  decided_by uuid references agents (id) on delete set null,
  decided_at timestamptz,
  refusal_reason text,
  created_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  unique (town_id, idempotency_key)
);
create index reservation_submissions_awaiting_idx on reservation_submissions (town_id, created_at) where status = 'awaiting_agent';

create table reservations (
  id uuid primary key default gen_random_uuid(),
  -- Arrival order, for the waiting list: ties of the clock cannot reorder it.
  seq bigint generated always as identity,
  town_id uuid not null references towns (id) on delete cascade,
  activity_id uuid not null,
  enrolment_id uuid not null,
  child_id uuid not null references children (id) on delete cascade,
  day date not null,
  status text not null check (status in ('booked', 'waiting')),
  -- Null while an agent has to confirm it (activities with confirmation = 'agent').
  confirmed_at timestamptz,
  submission_id uuid references reservation_submissions (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  foreign key (town_id, enrolment_id) references enrolments (town_id, id) on delete cascade,
  -- One line per child and day: a double submit cannot book twice.
  unique (activity_id, child_id, day)
);
create index reservations_child_day_idx on reservations (town_id, child_id, day);
create index reservations_waiting_idx on reservations (activity_id, day, seq) where status = 'waiting';
create index reservations_submission_idx on reservations (submission_id) where submission_id is not null;

-- The counter follows the booked rows: +1 when a booked row appears (or a waiting one is
-- promoted), -1 when one goes. The service has already locked the day's row, so this
-- update never waits; if a caller skipped the lock, the CHECK still refuses an overbooking.
create function reservations_count_booked() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') and old.status = 'booked' then
    update activity_days set booked = booked - 1 where activity_id = old.activity_id and day = old.day;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'booked' then
    insert into activity_days (activity_id, day, capacity, booked)
      select new.activity_id, new.day, a.capacity, 1 from activities a where a.id = new.activity_id
      on conflict (activity_id, day) do update set booked = activity_days.booked + 1;
  end if;
  return null;
end;
$$;
create trigger reservations_count_booked after insert or delete or update of status, day, activity_id on reservations
  for each row execute function reservations_count_booked();
