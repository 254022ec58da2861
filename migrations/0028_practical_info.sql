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
