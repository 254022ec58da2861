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
