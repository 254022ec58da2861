-- A child's reservations as an iCalendar feed at a private address (issue 17). Only the
-- token's SHA-256 is kept: a leaked table gives no working address. Renewing revokes the
-- old row and inserts a new one, so a phone holding the old address gets 404 at once.
create table calendar_feeds (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  child_id uuid not null references children (id) on delete cascade,
  -- The account that created it: closing the account revokes its feeds (and the row goes with it).
  account_id uuid references accounts (id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique check (length(token_hash) = 64),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz,
  foreign key (town_id, family_id) references families (town_id, id) on delete cascade
);
-- At most one live address per account and child.
create unique index calendar_feeds_active_idx on calendar_feeds (account_id, child_id) where revoked_at is null;

-- A mail can carry small text attachments (the .ics of the days a confirmation books):
-- [{ "filename": …, "contentType": …, "content": <UTF-8 text> }]. Stored with the mail, so the
-- job that sends it needs nothing else.
alter table mail_outbox add column attachments jsonb not null default '[]' check (jsonb_typeof(attachments) = 'array');
