-- Billing (issue 14): tariffs by quotient familial, the families' QF, the régies and the
-- town's billing settings, monthly invoicing runs, invoices traceable to each day, and
-- credit notes. Amounts are integer cents (bigint for sums); percentages are integer basis
-- points (1 bp = 0,01 %) and the taux d'effort is in millionths of the QF, so that every
-- price is computed in integers with one rounding rule (src/features/billing/pricing.ts,
-- ADR 0015).

-- A régie de recettes of the town: invoices are numbered per régie and year.
create table regies (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  -- Printed in the invoice numbers ("ENF-2026-000001"): short capitals and digits.
  code text not null check (code ~ '^[A-Z0-9]{2,10}$'),
  created_at timestamptz not null default now(),
  unique (town_id, id),
  unique (town_id, code)
);

-- Which régie collects an activity's invoices; null = not invoiced yet.
alter table activities add column regie_id uuid;
alter table activities add constraint activities_regie_fk foreign key (town_id, regie_id) references regies (town_id, id)
  on delete set null (regie_id);

-- One row per town (the repository falls back to these defaults for a town without one).
create table billing_settings (
  town_id uuid primary key references towns (id) on delete cascade,
  -- Meals eaten without a reservation: the unit price plus this (seed 004: 30 %).
  unreserved_surcharge_bp integer not null default 3000 check (unreserved_surcharge_bp between 0 and 100000),
  -- Invoices are due on this day of the month after the invoiced month (1–28: every month has it).
  invoice_due_day smallint not null default 15 check (invoice_due_day between 1 and 28),
  -- The town's postal codes: a family whose postal code is elsewhere is non-resident. Empty: everyone is resident.
  resident_postal_codes text[] not null default '{}',
  updated_at timestamptz not null default now()
);
insert into billing_settings (town_id) select id from towns;

-- A tariff of an activity for a school year, in force from `effective_from` until the next
-- tariff of the same activity. An issued invoice keeps the prices it was computed with.
create table tariffs (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  activity_id uuid not null,
  school_year text not null check (school_year ~ '^[0-9]{4}-[0-9]{4}$' and
    substr(school_year, 6, 4)::int = substr(school_year, 1, 4)::int + 1),
  effective_from date not null,
  model text not null check (model in ('brackets', 'effort')),
  -- Taux d'effort: price = QF × rate / 1 000 000 euros, between floor and ceiling (cents).
  effort_rate_ppm integer check (effort_rate_ppm between 1 and 1000000),
  effort_floor_cents integer check (effort_floor_cents >= 0),
  effort_ceiling_cents integer check (effort_ceiling_cents >= 0),
  -- Taux d'effort only: what a non-resident family pays instead (null: the same as residents).
  non_resident_price_cents integer check (non_resident_price_cents >= 0),
  -- Reductions for the 2nd and the 3rd (and following) child of a family enrolled in the activity.
  sibling_2_reduction_bp integer not null default 0 check (sibling_2_reduction_bp between 0 and 10000),
  sibling_3_reduction_bp integer not null default 0 check (sibling_3_reduction_bp between 0 and 10000),
  -- For the attestation fiscale: childcare ('garde') counts, meals ('repas') do not.
  category text not null check (category in ('repas', 'garde')),
  created_by uuid references agents (id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (town_id, activity_id) references activities (town_id, id) on delete cascade,
  unique (town_id, id),
  unique (activity_id, effective_from),
  check (model <> 'effort' or (effort_rate_ppm is not null and effort_floor_cents is not null and effort_ceiling_cents is not null
    and effort_floor_cents <= effort_ceiling_cents)),
  check (model <> 'brackets' or (effort_rate_ppm is null and effort_floor_cents is null and effort_ceiling_cents is null
    and non_resident_price_cents is null))
);
create index tariffs_activity_idx on tariffs (town_id, activity_id, effective_from);

-- The brackets of a 'brackets' tariff: from `qf_min` (euros, inclusive) up to the next one.
-- The first starts at 0; a family without a QF pays the last (highest) one.
create table tariff_brackets (
  tariff_id uuid not null references tariffs (id) on delete cascade,
  qf_min integer not null check (qf_min >= 0),
  price_cents integer not null check (price_cents >= 0),
  non_resident_price_cents integer check (non_resident_price_cents >= 0),
  primary key (tariff_id, qf_min)
);

-- A family's quotient familial (euros), in force from `effective_from` until the next one.
create table family_quotients (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid not null,
  qf integer not null check (qf between 0 and 100000),
  effective_from date not null,
  source text not null check (source in ('agent', 'parent_declaration', 'caf')),
  -- The parent's declaration (with its justificatif) an agent accepted, when there is one.
  request_id uuid,
  recorded_by uuid references agents (id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, request_id) references requests (town_id, id) on delete set null (request_id),
  unique (family_id, effective_from)
);
create index family_quotients_family_idx on family_quotients (town_id, family_id, effective_from);

-- Who pays: the adult of the file the family's invoices are addressed to (null: the family
-- name). Separated parents who each book their own days: `split_invoicing`, and each parent
-- is invoiced for the days booked from their account (reservations.submission_id →
-- reservation_submissions.account_id); days booked by an agent or eaten without a booking go
-- to the payer's invoice.
alter table families
  add column payer_adult_id uuid references family_adults (id) on delete set null,
  add column split_invoicing boolean not null default false;

-- A monthly invoicing of a town's régie, run by one job of the queue "invoicing"; its
-- counters are the progress page. At most one run of a month is under way.
create table invoicing_runs (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  regie_id uuid not null,
  month date not null check (extract(day from month) = 1),
  status text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
  total_families integer not null default 0,
  processed_families integer not null default 0,
  invoices_created integer not null default 0,
  -- Families that already had their invoice of the month (a repeated run).
  families_skipped integer not null default 0,
  amount_cents bigint not null default 0,
  failure text,
  agent_id uuid references agents (id) on delete set null,
  actor_label text not null,
  job_id uuid,
  -- The fence that keeps a second worker off a run being processed (as import_jobs).
  claim_token uuid,
  lease_until timestamptz,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  foreign key (town_id, regie_id) references regies (town_id, id) on delete cascade,
  unique (town_id, id)
);
create unique index invoicing_runs_active_idx on invoicing_runs (regie_id, month) where status in ('pending', 'running');
create index invoicing_runs_town_idx on invoicing_runs (town_id, created_at desc);

-- Gapless numbering: one row per régie, kind of document and year, incremented in the
-- transaction that issues the document (a rollback gives the number back; a SEQUENCE would not).
create table billing_counters (
  town_id uuid not null references towns (id) on delete cascade,
  regie_id uuid not null,
  kind text not null check (kind in ('invoice', 'credit_note')),
  year integer not null check (year between 1900 and 2200),
  last_number integer not null check (last_number >= 0),
  primary key (regie_id, kind, year),
  foreign key (town_id, regie_id) references regies (town_id, id) on delete cascade
);

create table invoices (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  regie_id uuid not null,
  run_id uuid,
  -- An invoice is an accounting document: its family cannot be deleted under it.
  family_id uuid not null,
  -- Split invoicing: the parent whose bookings it bills, who alone sees it (with the agents).
  account_id uuid,
  split boolean not null default false,
  payer_adult_id uuid references family_adults (id) on delete set null,
  -- As printed when issued (a later change of address does not rewrite it).
  payer_name text not null,
  payer_address text not null default '',
  month date not null check (extract(day from month) = 1),
  number_year integer not null,
  number_seq integer not null check (number_seq >= 1),
  number text not null,
  issued_on date not null,
  due_on date not null,
  total_cents bigint not null check (total_cents >= 0),
  status text not null default 'issued' check (status in ('issued', 'paid')),
  paid_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (town_id, regie_id) references regies (town_id, id) on delete cascade,
  foreign key (town_id, run_id) references invoicing_runs (town_id, id) on delete set null (run_id),
  -- no action, checked at the end of the statement: a town's deletion removes both.
  foreign key (town_id, family_id) references families (town_id, id) on delete no action,
  foreign key (town_id, account_id) references accounts (town_id, id) on delete set null (account_id),
  check (due_on >= issued_on),
  check ((status = 'paid') = (paid_at is not null)),
  unique (town_id, id),
  unique (regie_id, number_year, number_seq),
  unique (town_id, number)
);
-- A month is invoiced once per régie, family and payer: a repeated or concurrent run cannot
-- issue a second invoice (the all-zero uuid stands for "the whole family").
create unique index invoices_once_idx on invoices (regie_id, month, family_id,
  coalesce(account_id, '00000000-0000-0000-0000-000000000000'::uuid));
create index invoices_family_idx on invoices (town_id, family_id, month desc);
create index invoices_month_idx on invoices (town_id, regie_id, month);

-- One line per child, activity and day; names are copied so the line reads the same forever.
create table invoice_lines (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  invoice_id uuid not null,
  child_id uuid,
  child_name text not null,
  activity_id uuid,
  activity_name text not null,
  day date not null,
  kind text not null check (kind in ('reserved', 'reserved_present', 'reserved_absent_unjustified', 'unreserved_surcharge', 'absent_justified')),
  category text not null check (category in ('repas', 'garde')),
  -- The price of the day before any surcharge, after the sibling reduction.
  unit_price_cents integer not null check (unit_price_cents >= 0),
  surcharge_bp integer not null default 0 check (surcharge_bp >= 0),
  amount_cents integer not null check (amount_cents >= 0),
  -- Why it is billed (or not), in French, as the invoice prints it.
  reason text not null check (length(reason) between 1 and 300),
  tariff_id uuid,
  qf integer,
  sibling_rank smallint not null default 1 check (sibling_rank >= 1),
  resident boolean not null default true,
  -- The rows the line comes from (reservations are deleted when cancelled: the day and the
  -- attendance's own `reserved` keep the story).
  reservation_id uuid references reservations (id) on delete set null,
  attendance_recorded boolean not null default false,
  absence_request_id uuid,
  foreign key (town_id, invoice_id) references invoices (town_id, id) on delete cascade,
  foreign key (town_id, child_id) references children (town_id, id) on delete set null (child_id),
  foreign key (town_id, activity_id) references activities (town_id, id) on delete set null (activity_id),
  foreign key (town_id, tariff_id) references tariffs (town_id, id) on delete set null (tariff_id),
  foreign key (town_id, absence_request_id) references requests (town_id, id) on delete set null (absence_request_id),
  check (kind <> 'absent_justified' or amount_cents = 0)
);
create index invoice_lines_invoice_idx on invoice_lines (invoice_id, day);
-- Cancelling a reservation looks here (on delete set null).
create index invoice_lines_reservation_idx on invoice_lines (reservation_id) where reservation_id is not null;

-- An avoir: its own number (same régie, own series), a reason, the invoice it corrects.
create table credit_notes (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  regie_id uuid not null,
  invoice_id uuid not null,
  number_year integer not null,
  number_seq integer not null check (number_seq >= 1),
  number text not null,
  amount_cents bigint not null check (amount_cents > 0),
  reason text not null check (length(btrim(reason)) between 1 and 500),
  issued_on date not null,
  agent_id uuid references agents (id) on delete set null,
  actor_label text not null,
  created_at timestamptz not null default now(),
  foreign key (town_id, regie_id) references regies (town_id, id) on delete cascade,
  foreign key (town_id, invoice_id) references invoices (town_id, id) on delete no action,
  unique (regie_id, number_year, number_seq),
  unique (town_id, number)
);
create index credit_notes_invoice_idx on credit_notes (invoice_id);

-- Issued documents never change: only an invoice's payment status may move (the next issue's
-- payments). A direct DELETE is refused; the cascade of a town's deletion (nested in the
-- foreign key's own trigger) still goes through.
create function billing_documents_are_immutable() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if pg_trigger_depth() > 1 then return old; end if;
    raise exception '% rows cannot be deleted: issue a credit note', tg_table_name;
  end if;
  if tg_table_name = 'invoices' and (to_jsonb(new) - array['status', 'paid_at', 'run_id', 'account_id', 'payer_adult_id'])
       = (to_jsonb(old) - array['status', 'paid_at', 'run_id', 'account_id', 'payer_adult_id']) then
    return new;
  end if;
  if tg_table_name = 'invoice_lines' and (to_jsonb(new) - array['child_id', 'activity_id', 'tariff_id', 'reservation_id', 'absence_request_id'])
       = (to_jsonb(old) - array['child_id', 'activity_id', 'tariff_id', 'reservation_id', 'absence_request_id']) then
    return new; -- a foreign key's own "on delete set null"
  end if;
  if tg_table_name = 'credit_notes' and (to_jsonb(new) - 'agent_id') = (to_jsonb(old) - 'agent_id') then
    return new;
  end if;
  raise exception '% rows cannot be changed: issue a credit note', tg_table_name;
end;
$$;
create trigger invoices_immutable before update or delete on invoices
  for each row execute function billing_documents_are_immutable();
create trigger invoice_lines_immutable before update or delete on invoice_lines
  for each row execute function billing_documents_are_immutable();
create trigger credit_notes_immutable before update or delete on credit_notes
  for each row execute function billing_documents_are_immutable();
