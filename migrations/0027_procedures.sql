-- NOUVELLE DÉMARCHE (issue 17): simple forms a town's admins define without code. A form
-- holds its draft (title, intro, service, fields); publishing copies the draft into an
-- immutable version, which parents fill. A submission is a request of type 'town_form'
-- whose payload names the version and keeps the questions as they were asked.

create table town_forms (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  -- The service that receives the submissions (null once that service is removed).
  service_id uuid references town_services (id) on delete set null,
  title text not null check (length(title) between 1 and 150),
  intro text not null default '' check (length(intro) <= 2000),
  -- The draft's fields: src/features/procedures/form-fields.ts `FormField`.
  fields jsonb not null default '[]' check (jsonb_typeof(fields) = 'array'),
  -- The version parents see; null: not published.
  published_version_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (town_id, id)
);
create index town_forms_town_idx on town_forms (town_id, title);

create table town_form_versions (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null,
  form_id uuid not null,
  version integer not null check (version >= 1),
  service_id uuid references town_services (id) on delete set null,
  service_name text not null default '',
  title text not null check (length(title) between 1 and 150),
  intro text not null default '' check (length(intro) <= 2000),
  fields jsonb not null check (jsonb_typeof(fields) = 'array'),
  created_at timestamptz not null default now(),
  foreign key (town_id, form_id) references town_forms (town_id, id) on delete cascade,
  unique (form_id, version),
  unique (town_id, id)
);

alter table town_forms add foreign key (town_id, published_version_id)
  references town_form_versions (town_id, id) on delete set null (published_version_id);

-- A version is what a submission was made with: its questions never change afterwards
-- (only the service's `on delete set null`).
create function town_form_versions_are_kept() returns trigger language plpgsql as $$
begin
  if (new.id, new.town_id, new.form_id, new.version, new.service_name, new.title, new.intro, new.fields, new.created_at)
     is not distinct from (old.id, old.town_id, old.form_id, old.version, old.service_name, old.title, old.intro, old.fields, old.created_at)
     and new.service_id is null then
    return new;
  end if;
  raise exception 'town_form_versions rows cannot be changed';
end;
$$;
create trigger town_form_versions_kept before update on town_form_versions
  for each row execute function town_form_versions_are_kept();

-- The request type, added to whatever list the check holds now (see 0017).
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
  if position('''town_form''' in current_def) > 0 then
    return;
  end if;
  execute format('alter table requests drop constraint %I', current_name);
  execute 'alter table requests add constraint requests_type_check '
    || replace(current_def, 'ARRAY[', 'ARRAY[''town_form''::text, ');
end;
$$;
