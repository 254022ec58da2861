-- Municipal agents (and town admins), and the audit log of everything they do.

create table agents (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  username text not null,
  display_name text not null,
  email text,
  password_hash text not null,
  role text not null check (role in ('agent', 'admin')),
  disabled_at timestamptz,
  last_sign_in_at timestamptz,
  failed_sign_ins integer not null default 0,
  last_failed_sign_in_at timestamptz,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index agents_username_idx on agents (town_id, lower(username));

-- Append-only: who did what, on what, when, from where. The trigger below refuses any
-- update or delete, so the application cannot rewrite history.
create table audit_log (
  id bigint generated always as identity primary key,
  town_id uuid not null references towns (id) on delete cascade,
  agent_id uuid references agents (id) on delete set null,
  actor_label text not null,
  action text not null,
  target_type text,
  target_id text,
  details jsonb not null default '{}',
  ip text,
  created_at timestamptz not null default now()
);
create index audit_log_town_idx on audit_log (town_id, created_at desc);
create index audit_log_agent_idx on audit_log (agent_id, created_at desc);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log rows cannot be changed or deleted';
end;
$$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_is_append_only();

create index session_agent_idx on session ((sess::jsonb ->> 'agentId'));
