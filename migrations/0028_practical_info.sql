-- INFOS PRATIQUES (issue 17): pages agents write in Markdown, one service each. The sanitised
-- HTML is stored beside the source: pages are read far more often than written.
create table practical_pages (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  service_id uuid not null references town_services (id) on delete cascade,
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  title text not null,
  body_markdown text not null,
  body_html text not null,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint practical_pages_slug_unique unique (town_id, slug)
);
create index practical_pages_service on practical_pages (service_id);

-- Files to download from a page (PDF menus, a règlement intérieur): checked like the
-- justificatifs (type from the content, 3200 Ko), served as attachments under their own name.
create table practical_page_files (
  id uuid primary key default gen_random_uuid(),
  town_id uuid not null references towns (id) on delete cascade,
  page_id uuid not null references practical_pages (id) on delete cascade,
  file_name text not null,
  content_type text not null,
  size_bytes integer not null check (size_bytes > 0),
  content bytea not null check (octet_length(content) = size_bytes),
  created_at timestamptz not null default now()
);
create index practical_page_files_page on practical_page_files (page_id);
