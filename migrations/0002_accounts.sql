-- Family files (dossiers famille) with their Clé Enfance, children, and parents' accounts
-- with the tokens that activate them and reset their passwords.

create table families (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- The "Clé Enfance" sent by post, like 18456-N0OBOES; unique in the town.
  cle_enfance text not null,
  name text not null,
  address_line text not null default '',
  postal_code text not null default '',
  city text not null default '',
  external_ref text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (town_id, cle_enfance),
  unique (town_id, id)
);
create unique index families_external_ref_idx on families (town_id, external_ref) where external_ref is not null;

create table children (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid not null,
  first_names text not null,
  last_name text not null,
  birth_date date,
  school text not null default '',
  class_name text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade
);
create index children_family_idx on children (family_id);

create table accounts (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  family_id uuid,
  username text not null,
  email text not null check (email = lower(email)),
  civility text not null check (civility in ('M', 'Mme')),
  last_name text not null,
  birth_name text not null default '',
  first_names text not null,
  birth_date date,
  birth_country text not null default '',
  birth_department text not null default '',
  birth_commune text not null default '',
  photo bytea,
  photo_type text check (photo_type in ('image/png', 'image/jpeg')),
  address_number text not null default '',
  address_street text not null default '',
  address_building text not null default '',
  address_apartment text not null default '',
  address_complement text not null default '',
  postal_code text not null default '',
  city text not null default '',
  country text not null default 'France',
  phone text not null default '',
  mobile text not null default '',
  fax text not null default '',
  preferred_contact text not null default 'courriel' check (preferred_contact in ('courriel', 'telephone', 'mobile', 'fax')),
  password_hash text not null,
  -- Création rapide: the password in the welcome mail is temporary and must be changed.
  password_is_temporary boolean not null default false,
  temporary_password_expires_at timestamptz,
  created_via text not null check (created_via in ('wizard', 'precreated')),
  -- Set when the owner follows the activation link.
  email_confirmed_at timestamptz,
  -- Accounts without a Clé Enfance wait for an agent ("48 heures ouvrées").
  validation_status text not null check (validation_status in ('awaiting_services', 'validated', 'refused')),
  validated_at timestamptz,
  refusal_reason text,
  disabled_at timestamptz,
  cgu_version_accepted integer,
  cgu_accepted_at timestamptz,
  last_sign_in_at timestamptz,
  previous_sign_in_at timestamptz,
  failed_sign_ins integer not null default 0,
  last_failed_sign_in_at timestamptz,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (town_id, family_id) references families (town_id, id) on delete set null (family_id)
);
-- Usernames are unique per town, compared without case.
create unique index accounts_username_idx on accounts (town_id, lower(username));
create index accounts_email_idx on accounts (town_id, email);
create index accounts_family_idx on accounts (family_id);
create index accounts_awaiting_idx on accounts (town_id, created_at) where validation_status = 'awaiting_services';

-- Single-use links sent by mail: only a hash of the token is stored.
create table account_tokens (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts (id) on delete cascade,
  purpose text not null check (purpose in ('activation', 'password_reset', 'email_change')),
  token_hash text not null unique,
  -- For email changes: the address to confirm.
  payload text,
  expires_at timestamptz not null,
  used_at timestamptz,
  cancelled_at timestamptz,
  created_at timestamptz not null default now()
);
create index account_tokens_account_idx on account_tokens (account_id, purpose);

-- A photo chosen in the wizard, kept until the account is created (the session stays small).
create table signup_photos (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  content bytea not null,
  content_type text not null check (content_type in ('image/png', 'image/jpeg')),
  created_at timestamptz not null default now()
);

-- Ending every session of an account (password reset, disabling) looks sessions up by owner.
create index session_account_idx on session ((sess::jsonb ->> 'accountId'));
