-- Town settings and news as the back-office edits them (issue 4).

-- The password policy is read by every sign-up and password change: a value the code does
-- not understand must never get in, whatever writes it. The bounds are the settings
-- page's (8 to 64 characters); 128 characters at most always applies on top.
alter table towns add constraint towns_password_policy_check check (
  -- coalesce: a missing key gives null, and a check that is null passes.
  coalesce(
    jsonb_typeof(password_policy -> 'minLength') = 'number'
    and (password_policy ->> 'minLength')::numeric between 8 and 64
    and jsonb_typeof(password_policy -> 'upper') = 'boolean'
    and jsonb_typeof(password_policy -> 'lower') = 'boolean'
    and jsonb_typeof(password_policy -> 'digit') = 'boolean',
    false
  )
);

-- Agents list drafts and published news together, newest first; "modifiée le" in the list.
alter table news add column updated_at timestamptz not null default now();
alter table news add constraint news_title_not_blank check (btrim(title) <> '');
alter table news add constraint news_body_not_blank check (btrim(body) <> '');
create index news_town_created_idx on news (town_id, created_at desc);

-- Legal texts keep who published each version, shown beside the past versions.
alter table town_texts add column published_by text;
