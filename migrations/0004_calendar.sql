-- The town's calendar as agents edit it: closure days (the services are closed, and they
-- do not count as business days) and school holidays (reservations of issue "Reservations"
-- follow them). Public holidays come from the date-holidays library, not from here.
create table town_closures (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  kind text not null check (kind in ('closure', 'school_holiday')),
  label text not null,
  start_date date not null,
  end_date date not null,
  created_at timestamptz not null default now(),
  check (end_date >= start_date)
);
create index town_closures_town_idx on town_closures (town_id, start_date);
