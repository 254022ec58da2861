-- Towns (collectivités), their services, their texts and news; sessions; mail outbox;
-- rate limits. Every table holding a town's data carries town_id.

create table towns (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z][a-z0-9-]{1,40}$'),
  name text not null,
  -- The header colour; checked so it can be written into CSS safely.
  colour text not null default '#1f4e79' check (colour ~ '^#[0-9a-fA-F]{6}$'),
  welcome_text text not null default '',
  -- { "minLength": 8, "upper": true, "lower": false, "digit": true }
  password_policy jsonb not null,
  -- Default reservation deadline rules, as data (evaluated by one module, Europe/Paris).
  deadline_rules jsonb not null default '{"kind":"days_before","days":15,"calendar":"calendar"}',
  activation_delay_hours integer not null default 48 check (activation_delay_hours between 1 and 720),
  school_zone text check (school_zone in ('A', 'B', 'C')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table town_services (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  position integer not null default 0,
  name text not null,
  address text not null default '',
  phone text not null default '',
  email text not null default '',
  created_at timestamptz not null default now(),
  unique (town_id, name)
);

-- Legal texts, versioned: a new CGU version must be accepted again.
create table town_texts (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  kind text not null check (kind in ('cgu', 'mentions_legales')),
  version integer not null check (version > 0),
  body text not null,
  created_at timestamptz not null default now(),
  unique (town_id, kind, version)
);

create table news (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  title text not null,
  body text not null,
  published_at timestamptz,
  created_at timestamptz not null default now()
);
create index news_town_published_idx on news (town_id, published_at desc) where published_at is not null;

-- express-session store (connect-pg-simple's table.sql), created here rather than by the
-- library at run time (connect-pg-simple issue #268).
create table session (
  sid varchar not null primary key,
  sess json not null,
  expire timestamp(6) not null
);
create index session_expire_idx on session (expire);

-- Transactional outbox: a mail is written in the same transaction as the change that
-- causes it, and a worker delivers it with retries.
create table mail_outbox (
  id uuid primary key default gen_random_uuid(),
  town_id uuid references towns (id) on delete set null,
  template text not null,
  to_address text not null,
  subject text not null,
  text_body text not null,
  html_body text not null,
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  transport text,
  sent_at timestamptz,
  created_at timestamptz not null default now()
);
create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where status = 'pending';

-- Fixed-window counters shared by every instance (see src/lib/rate-limit.ts).
create table rate_limits (
  key text primary key,
  points integer not null,
  window_ends_at timestamptz not null
);
create index rate_limits_window_idx on rate_limits (window_ends_at);
