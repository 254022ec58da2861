-- Structured diets on the child's file, for the kitchen's meal counts (docs/cuisine-et-listes.md).
-- The free-text `allergies` and `health_notes` of 0006 stay as they are: nothing is lost, and
-- these flags default to "no" until the family or an agent says otherwise.
alter table children
  add column diet_no_pork boolean not null default false,
  add column diet_vegetarian boolean not null default false,
  add column diet_gluten_free boolean not null default false,
  -- Projet d'accueil individualisé: the child eats the meal the PAI says (often a basket).
  add column pai boolean not null default false,
  add column pai_allergens text not null default '' check (length(pai_allergens) <= 500);

-- The meals of a day and site as they stood when its booking deadline passed: the kitchen's
-- figures are read from here afterwards, so that a late change (an agent cancelling) does not
-- move them. Written on the first read after the deadline; `meals` holds one object per child
-- with the diets of that moment.
create table kitchen_snapshots (
  town_id uuid not null references towns (id) on delete cascade,
  day date not null,
  site text not null,
  deadline timestamptz not null,
  meals jsonb not null,
  created_at timestamptz not null default now(),
  primary key (town_id, day, site)
);
