-- Messages to a group of families (issue 19): an agent writes to the families of an activity,
-- a site, a school or a class, for a day or a period ("Grève du jeudi 12"). Each family gets
-- the message as a request of type 'town_message' (0008) opened by the agent and waiting for
-- the family: it shows in "Échanges à lire", and a reply goes back to the agents' queue by the
-- request's own state machine (docs/messages-aux-familles.md). These tables keep what was
-- sent, to whom, and each recipient's request.

do $$
declare
  current_name text;
  current_def text;
begin
  select c.conname, pg_get_constraintdef(c.oid) into current_name, current_def
    from pg_constraint c
   where c.conrelid = 'requests'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%''child_update''%';
  if current_def is null then
    raise exception 'the check of requests.type was not found';
  end if;
  if position('''town_message''' in current_def) > 0 then
    return;
  end if;
  execute format('alter table requests drop constraint %I', current_name);
  execute 'alter table requests add constraint requests_type_check '
    || replace(current_def, 'ARRAY[', 'ARRAY[''town_message''::text, ');
end;
$$;

create table group_messages (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- The target as chosen; its words are kept so the list still reads once the activity is gone.
  target_kind text not null check (target_kind in ('activity', 'site', 'school', 'class')),
  target_ref text not null check (length(target_ref) between 1 and 300),
  target_label text not null check (length(target_label) between 1 and 300),
  -- 'day': the families with a child booked that day (activity, site); 'period': enrolled over it.
  -- A school's or a class's families are those of its children today: the dates only say
  -- what the message is about.
  dates_kind text not null check (dates_kind in ('day', 'period')),
  first_day date not null,
  last_day date not null,
  subject text not null check (length(subject) between 1 and 150),
  body text not null check (length(body) between 1 and 5000),
  agent_id uuid references agents (id) on delete set null,
  author_label text not null,
  created_at timestamptz not null default now(),
  check (last_day >= first_day and (dates_kind = 'period' or last_day = first_day)),
  unique (town_id, id)
);
create index group_messages_town_idx on group_messages (town_id, created_at desc);

-- One row per family reached, with its request (the thread) and the addresses mailed.
create table group_message_recipients (
  group_message_id uuid not null,
  town_id uuid not null,
  family_id uuid not null,
  request_id uuid,
  family_name text not null,
  -- The addresses the mail went to (one per validated account of the family), possibly none.
  emails text[] not null default '{}',
  mail_ids uuid[] not null default '{}',
  primary key (group_message_id, family_id),
  foreign key (town_id, group_message_id) references group_messages (town_id, id) on delete cascade,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, request_id) references requests (town_id, id) on delete set null (request_id)
);
