-- The right to see children's health details (PAI and allergens, allergies, health notes) on
-- the day's roster (docs/cuisine-et-listes.md). Given agent by agent by an admin, audited; an
-- admin does not have it by virtue of the role: they give it to themselves, which is audited too.
alter table agents add column health_access boolean not null default false;
