-- FranceConnect for parents (issue 18): a town's client settings, and the identities linked to accounts.
create table franceconnect_settings (
  town_id uuid primary key references towns (id) on delete cascade,
  enabled boolean not null default false,
  client_id text not null default '',
  -- Never shown back to anyone: the settings form only replaces it.
  client_secret text not null default '',
  discovery_url text not null default '',
  eidas_level text not null default 'eidas1' check (eidas_level in ('eidas1', 'eidas2', 'eidas3')),
  updated_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);

-- One identity (the provider's `sub`) per account, one account per identity, per town: a `sub`
-- linked in one town opens nothing in another. Linked only after the password or an account
-- created from the identity, never on an email match.
create table franceconnect_identities (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  account_id uuid not null references accounts (id) on delete cascade,
  sub text not null check (length(sub) between 1 and 255),
  linked_at timestamptz not null,
  last_used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint franceconnect_identities_sub_unique unique (town_id, sub),
  constraint franceconnect_identities_account_unique unique (account_id)
);

-- ProConnect for agents (issue 18): the town's client, and whether its agents may still use
-- their password. An agent signs in with ProConnect only if an admin allowed it.
create table proconnect_settings (
  town_id uuid primary key references towns (id) on delete cascade,
  enabled boolean not null default false,
  client_id text not null default '',
  client_secret text not null default '',
  discovery_url text not null default '',
  password_sign_in_off boolean not null default false,
  updated_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);

alter table agents add column proconnect_allowed boolean not null default false;
