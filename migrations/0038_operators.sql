-- The host's operators (issue 20, ADR 0024): the people who run the platform for every town.
-- They are not a town's agents: no town_id, their own sign-in at /exploitation/connexion,
-- created from the command line only (create-operator).
create table operators (
  id uuid primary key default gen_random_uuid(),
  username text not null check (username ~ '^[a-z0-9._-]{3,50}$'),
  display_name text not null check (length(btrim(display_name)) between 1 and 100),
  password_hash text not null,
  disabled_at timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index operators_username_idx on operators (username);

-- What operators (or the command line) did to towns. It outlives the town it names, so it
-- holds the town's slug and name as words and no foreign key (and no town_id column: a
-- removed town leaves no row carrying its id as town_id anywhere). Append-only, like audit_log.
create table operator_events (
  id bigint generated always as identity primary key,
  operator_id uuid references operators (id) on delete set null,
  actor_label text not null,
  action text not null check (action in ('operator.create', 'operator.sign_in', 'operator.sign_in_failed', 'operator.sign_out',
    'town.create', 'town.export', 'town.remove')),
  town_slug text,
  details jsonb not null default '{}',
  ip text,
  created_at timestamptz not null default now()
);
create index operator_events_created_idx on operator_events (created_at desc);

create function operator_events_are_kept() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and new.operator_id is null and old.operator_id is not null
     and (new.id, new.actor_label, new.action, new.town_slug, new.details, new.ip, new.created_at)
         is not distinct from (old.id, old.actor_label, old.action, old.town_slug, old.details, old.ip, old.created_at) then
    return new;
  end if;
  raise exception 'operator_events rows cannot be changed or deleted';
end;
$$;
create trigger operator_events_kept before update or delete on operator_events
  for each row execute function operator_events_are_kept();

-- A town's removal deletes its audit log with it (the cascade of towns → audit_log): the
-- application still cannot delete or rewrite one line, but the foreign keys' own actions,
-- nested in their triggers, go through — the cascade, and the agents' `set null` it causes —
-- as 0015 does for issued invoices. What the removal itself was is kept in operator_events.
create or replace function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  if pg_trigger_depth() > 1 then
    if tg_op = 'DELETE' then return old; end if;
    return new;
  end if;
  raise exception 'audit_log rows cannot be changed or deleted';
end;
$$;
