-- Payments (issue 15): online payments through a provider (the built-in bank outside
-- production, PayFiP for towns), payments recorded at the town hall, and SEPA direct debit
-- with online mandates. Amounts are integer cents. An invoice's own `status`/`paid_at` stay
-- the one answer to "is it paid?" (0015's trigger lets them move); these tables say by what.

-- Which provider takes the town's online payments. 'none': no online payment (the invoices
-- say how to pay at the town hall). The app refuses 'builtin' in production.
alter table billing_settings
  add column payment_provider text not null default 'builtin' check (payment_provider in ('none', 'builtin', 'payfip')),
  -- What the town hall's counter accepts (CESU only where the town takes it, for childcare).
  add column counter_methods text[] not null default '{cash,cheque}'
    check (counter_methods <@ array['cash', 'cheque', 'cesu', 'card']::text[]),
  -- SEPA direct debit: the town's creditor identifier (ICS), the account collections go to,
  -- and how many days before a debit the family is told of it (pre-notification).
  add column sepa_enabled boolean not null default false,
  add column sepa_creditor_id text check (sepa_creditor_id ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$'),
  add column sepa_creditor_name text check (length(sepa_creditor_name) between 1 and 70),
  add column sepa_creditor_iban text check (sepa_creditor_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  add column sepa_creditor_bic text check (sepa_creditor_bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
  add column debit_prenotification_days smallint not null default 14 check (debit_prenotification_days between 1 and 60);

-- PayFiP identifies each régie by the number the DGFiP gives it (6 digits).
alter table regies add column payfip_numcli text check (payfip_numcli ~ '^[0-9]{6}$');

-- One payment settles one or more invoices of one family and one régie, for exactly what
-- they owe (a partial payment is refused before it is created).
create table payments (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  regie_id uuid not null,
  -- A payment is an accounting record: its family cannot be deleted under it.
  family_id uuid not null,
  -- The parent who started an online payment, or whose mandate a debit used.
  account_id uuid,
  provider text not null check (provider in ('builtin', 'payfip', 'counter', 'direct_debit')),
  -- How the money came: 'card' online; at the counter cash, cheque, CESU or card; a debit.
  method text not null check (method in ('card', 'cash', 'cheque', 'cesu', 'direct_debit')),
  amount_cents bigint not null check (amount_cents > 0),
  -- created: not yet at the provider; pending: the family is at the provider (or the debit
  -- is sent); paid; refused (card refused, debit rejected); abandoned (left, expired);
  -- failed (the provider refused to start it).
  status text not null default 'created' check (status in ('created', 'pending', 'paid', 'refused', 'abandoned', 'failed')),
  -- Our reference, given to the provider (PayFiP's refdet: 1–30 letters and digits).
  reference text not null check (reference ~ '^[A-Za-z0-9]{1,30}$'),
  -- The provider's id of the operation (PayFiP's idOp), once it has one.
  provider_payment_id text,
  -- What the provider answered, kept for the régisseur's reconciliation (numauto, dattrans…).
  provider_details jsonb not null default '{}',
  failure text,
  -- Counter payments: the cheque's number and bank, the CESU's numbers… as the agent typed.
  note text check (length(note) <= 300),
  agent_id uuid references agents (id) on delete set null,
  actor_label text,
  created_at timestamptz not null default now(),
  -- When the provider confirmed it (status paid), or the money was received at the counter.
  paid_at timestamptz,
  -- When it reached its final status (paid, refused, abandoned, failed).
  settled_at timestamptz,
  -- The scheduled check of a pending payment against the provider.
  last_checked_at timestamptz,
  check_attempts integer not null default 0,
  foreign key (town_id, regie_id) references regies (town_id, id) on delete cascade,
  foreign key (town_id, family_id) references families (town_id, id) on delete no action,
  foreign key (town_id, account_id) references accounts (town_id, id) on delete set null (account_id),
  check ((status = 'paid') = (paid_at is not null)),
  check ((status in ('paid', 'refused', 'abandoned', 'failed')) = (settled_at is not null)),
  check (provider <> 'counter' or method in ('cash', 'cheque', 'cesu', 'card')),
  check (provider in ('counter', 'direct_debit') or method = 'card'),
  check ((provider = 'direct_debit') = (method = 'direct_debit')),
  unique (town_id, id),
  unique (town_id, reference),
  unique (provider, provider_payment_id)
);
create index payments_family_idx on payments (town_id, family_id, created_at desc);
create index payments_day_idx on payments (town_id, (coalesce(paid_at, created_at)));
create index payments_pending_idx on payments (town_id, created_at) where status in ('created', 'pending');

-- The invoices a payment settles, each for what it owed when the payment started.
-- `applied`: this payment is the one that marked the invoice paid. A paid payment with a
-- line not applied paid an invoice twice (two payments raced): reconciliation lists it.
create table payment_invoices (
  town_id uuid not null references towns (id) on delete cascade,
  payment_id uuid not null,
  invoice_id uuid not null,
  amount_cents bigint not null check (amount_cents > 0),
  applied boolean not null default false,
  primary key (payment_id, invoice_id),
  foreign key (town_id, payment_id) references payments (town_id, id) on delete cascade,
  foreign key (town_id, invoice_id) references invoices (town_id, id) on delete no action
);
create index payment_invoices_invoice_idx on payment_invoices (invoice_id);
-- One payment at most is applied to an invoice at a time (a debit rejected un-applies it).
create unique index payment_invoices_applied_idx on payment_invoices (invoice_id) where applied;

-- Every notification, browser return and scheduled check, and what came of it: the trail
-- of "a forged one changes nothing and is logged" and of the reconciliation.
create table payment_events (
  id bigint generated always as identity primary key,
  town_id uuid not null references towns (id) on delete cascade,
  -- Null when the event names no payment of the town (unknown or forged reference).
  payment_id uuid,
  provider text not null,
  channel text not null check (channel in ('notification', 'return', 'check', 'agent')),
  -- applied: the payment reached this status now; replay: it had already; forged: a bad
  -- signature; mismatch: amount, reference or client not ours; unknown: no such payment;
  -- waiting: the provider has no result yet; error: the provider could not be asked.
  outcome text not null check (outcome in ('applied', 'replay', 'forged', 'mismatch', 'unknown', 'waiting', 'error')),
  status text,
  detail text not null default '' check (length(detail) <= 2000),
  remote_address text,
  created_at timestamptz not null default now(),
  foreign key (town_id, payment_id) references payments (town_id, id) on delete cascade
);
create index payment_events_payment_idx on payment_events (payment_id, created_at);
create index payment_events_town_idx on payment_events (town_id, created_at desc);

-- A SEPA mandate a parent signed online for their family's invoices of the town.
create table sepa_mandates (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid not null,
  account_id uuid,
  -- Référence unique du mandat, assigned by us (the creditor): unique within the town's ICS.
  rum text not null check (rum ~ '^[A-Za-z0-9+?/:().,''-]{1,35}$'),
  -- The ICS in force when it was signed (printed on the mandate).
  creditor_id text not null,
  debtor_name text not null check (length(debtor_name) between 1 and 70),
  debtor_address text not null default '',
  debtor_iban text not null check (debtor_iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
  debtor_bic text check (debtor_bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
  signed_at timestamptz not null default now(),
  signed_place text not null default '' check (length(signed_place) <= 70),
  -- The PDF copy in the family's documents.
  document_id uuid,
  revoked_at timestamptz,
  revoked_by_account uuid,
  -- The first collection on a mandate is FRST, the following ones RCUR; after a reject
  -- of the first one, the next is FRST again.
  first_collection_done boolean not null default false,
  created_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, account_id) references accounts (town_id, id) on delete set null (account_id),
  unique (town_id, id),
  unique (town_id, rum)
);
-- One active mandate per family: signing a new one revokes the old in the same transaction.
create unique index sepa_mandates_active_idx on sepa_mandates (town_id, family_id) where revoked_at is null;

-- A month's (or a date's) collections exported as one pain.008 file.
create table direct_debit_batches (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- The pain.008 message id (GrpHdr/MsgId), unique for the creditor.
  message_id text not null check (message_id ~ '^[A-Za-z0-9-]{1,35}$'),
  collection_date date not null,
  count integer not null check (count >= 0),
  amount_cents bigint not null check (amount_cents >= 0),
  -- The file as exported, so that it can be downloaded again byte for byte.
  xml text not null,
  agent_id uuid references agents (id) on delete set null,
  actor_label text not null,
  created_at timestamptz not null default now(),
  unique (town_id, id),
  unique (town_id, message_id)
);

-- One invoice collected in a batch, through its payment (provider 'direct_debit').
create table direct_debit_items (
  town_id uuid not null references towns (id) on delete cascade,
  batch_id uuid not null,
  payment_id uuid not null,
  invoice_id uuid not null,
  mandate_id uuid not null,
  sequence_type text not null check (sequence_type in ('FRST', 'RCUR')),
  end_to_end_id text not null check (end_to_end_id ~ '^[A-Za-z0-9-]{1,35}$'),
  amount_cents bigint not null check (amount_cents > 0),
  -- An R-transaction (reject, return, refund) reported by the bank, with its ISO reason code.
  rejected_at timestamptz,
  reject_code text check (reject_code ~ '^[A-Z0-9]{4}$'),
  primary key (batch_id, invoice_id),
  foreign key (town_id, batch_id) references direct_debit_batches (town_id, id) on delete cascade,
  foreign key (town_id, payment_id) references payments (town_id, id) on delete cascade,
  foreign key (town_id, invoice_id) references invoices (town_id, id) on delete no action,
  foreign key (town_id, mandate_id) references sepa_mandates (town_id, id) on delete no action,
  unique (town_id, end_to_end_id),
  check ((rejected_at is null) = (reject_code is null))
);
create index direct_debit_items_invoice_idx on direct_debit_items (invoice_id);
