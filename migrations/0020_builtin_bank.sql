-- The built-in bank (issue 15, ADR 0017): a demonstration bank that runs inside the app
-- outside production. This table is the BANK's own state, as a real bank keeps its own
-- books: what it was asked to take and what the family decided on its page. The portal's
-- record of the payment stays `payments`; the bank never writes there. The scheduled check
-- asks the bank (fetchStatus) through this table, as it asks PayFiP through its web service.
create table builtin_bank_operations (
  -- The operation id the bank gives (payments.provider_payment_id).
  id text primary key check (id ~ '^[A-Za-z0-9-]{1,64}$'),
  town_id uuid not null references towns (id) on delete cascade,
  -- The portal's payment this operation was opened for (the bank page's URL names it).
  payment_id uuid not null,
  reference text not null,
  amount_cents bigint not null check (amount_cents > 0),
  label text not null check (length(label) <= 300),
  -- Where the bank sends the browser back once the family has decided (a path of this app).
  return_path text not null,
  -- Null until the family chooses Payer, Refuser or Abandonner on the bank's page.
  decision text check (decision in ('paid', 'refused', 'abandoned')),
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (town_id, payment_id) references payments (town_id, id) on delete cascade,
  unique (town_id, payment_id),
  check ((decision is null) = (decided_at is null))
);
