-- Requests (demandes): everything a parent asks of the services, of every type, with an
-- explicit state machine (src/features/requests/request-state.ts), the history of every
-- transition, the conversation between the family and the services, and the files sent
-- with it. Reservations, absences and enrolments (issue 6) become requests of their own
-- types in these same tables.

-- Requests reference (town_id, account_id) so a request can never point at an account of
-- another town. `if not exists`: 0009 creates the same index.
create unique index if not exists accounts_town_id_id_key on accounts (town_id, id);
-- Same for the children a request is about.
create unique index if not exists children_town_id_id_key on children (town_id, id);

create table requests (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- The family file it concerns; null for an account not (yet) linked to one (a change of
  -- contact details made while waiting for the services' validation).
  family_id uuid,
  -- The parent who made it (null once that account is deleted: the family keeps the request).
  account_id uuid,
  -- The child it is about, when there is one (child_update, absence…).
  child_id uuid,
  type text not null check (type in ('child_update', 'add_member', 'contact_change', 'reservation', 'absence', 'enrolment')),
  status text not null check (status in ('sent', 'in_progress', 'complement_requested', 'accepted', 'refused')),
  -- One line for lists and mails ("Ajout d'un membre : Lucas MARTIN").
  summary text not null check (length(summary) between 1 and 200),
  -- What was asked, per type: see src/features/requests/request-types.ts.
  payload jsonb not null default '{}',
  -- What the acceptance did (e.g. the id of the child created), for the record.
  outcome jsonb not null default '{}',
  -- The agent who took it in hand or decided last.
  agent_id uuid references agents (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  decided_at timestamptz,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade,
  foreign key (town_id, account_id) references accounts (town_id, id) on delete set null (account_id),
  foreign key (town_id, child_id) references children (town_id, id) on delete set null (child_id),
  check ((status in ('accepted', 'refused')) = (decided_at is not null)),
  unique (town_id, id)
);
-- The agents' queue: per town and status, oldest first.
create index requests_queue_idx on requests (town_id, status, created_at);
-- "Dernières demandes": a family's, newest first; an account's own (without a family file).
create index requests_family_idx on requests (town_id, family_id, created_at desc);
create index requests_account_idx on requests (town_id, account_id, created_at desc);

-- Every transition, creation included (from_status null). Rows are never changed: the
-- trigger below refuses updates, except the foreign keys' own `on delete set null` (an
-- account or agent removed: `actor_label` keeps who it was). Deletes happen only with the
-- request, by cascade.
create table request_events (
  id bigint generated always as identity primary key,
  town_id uuid not null,
  request_id uuid not null,
  from_status text check (from_status in ('sent', 'in_progress', 'complement_requested', 'accepted', 'refused')),
  to_status text not null check (to_status in ('sent', 'in_progress', 'complement_requested', 'accepted', 'refused')),
  actor_kind text not null check (actor_kind in ('parent', 'agent', 'system')),
  account_id uuid references accounts (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  -- Who, in words, readable even once the account or agent is gone.
  actor_label text not null,
  -- A refusal's reason, a complement's question, the parent's answer.
  comment text not null default '' check (length(comment) <= 5000),
  created_at timestamptz not null default now(),
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  check (actor_kind <> 'agent' or account_id is null),
  check (actor_kind <> 'parent' or agent_id is null)
);
create index request_events_request_idx on request_events (request_id, id);

create function request_events_are_kept() returns trigger language plpgsql as $$
begin
  if (new.account_id is null or new.account_id = old.account_id) and (new.agent_id is null or new.agent_id = old.agent_id)
     and (new.id, new.town_id, new.request_id, new.from_status, new.to_status, new.actor_kind, new.actor_label, new.comment, new.created_at)
         is not distinct from
         (old.id, old.town_id, old.request_id, old.from_status, old.to_status, old.actor_kind, old.actor_label, old.comment, old.created_at) then
    return new;
  end if;
  raise exception 'request_events rows cannot be changed';
end;
$$;
create trigger request_events_kept before update on request_events
  for each row execute function request_events_are_kept();

-- The conversation (échanges) on a request. `read_at`: when the family first opened a
-- message from the services ("Échanges à lire"); the family's own messages have none.
create table request_messages (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  request_id uuid not null,
  author_kind text not null check (author_kind in ('parent', 'agent')),
  account_id uuid references accounts (id) on delete set null,
  agent_id uuid references agents (id) on delete set null,
  author_label text not null,
  body text not null check (length(body) between 1 and 5000),
  created_at timestamptz not null default now(),
  read_at timestamptz,
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  check (author_kind = 'agent' or read_at is null),
  unique (town_id, id)
);
create index request_messages_request_idx on request_messages (request_id, created_at);
create index request_messages_unread_idx on request_messages (request_id) where author_kind = 'agent' and read_at is null;

-- Files sent with a message, by the family or the services: they belong to the request and
-- the agents handling it read them — unlike the parent's private storage (0009), which no
-- back-office route reaches. Same rules as every justificatif (src/lib/file-checks.ts).
create table request_attachments (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  request_id uuid not null,
  message_id uuid not null,
  position smallint not null check (position between 1 and 4),
  file_name text not null check (length(file_name) between 1 and 200),
  content_type text not null check (content_type in (
    'application/pdf', 'image/png', 'image/jpeg', 'image/bmp',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/msword'
  )),
  size_bytes integer not null check (size_bytes between 1 and 3276800),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null check (octet_length(content) = size_bytes),
  created_at timestamptz not null default now(),
  foreign key (town_id, request_id) references requests (town_id, id) on delete cascade,
  foreign key (town_id, message_id) references request_messages (town_id, id) on delete cascade,
  unique (message_id, position)
);
create index request_attachments_request_idx on request_attachments (request_id);
alter table request_attachments alter column content set storage external;
