import type { Queryable } from '../db/pool.js';

/** One booked meal: a child booked on a day at an activity of a site, with its diets. */
export interface MealRow {
  site: string;
  childId: string;
  firstNames: string;
  lastName: string;
  noPork: boolean;
  vegetarian: boolean;
  glutenFree: boolean;
  pai: boolean;
  paiAllergens: string;
}

/**
 * The booked reservations of a day for the activities whose unit is a meal ("Repas"), one
 * row per child and site even when the child has two meal activities at the same site.
 */
export async function bookedMeals(db: Queryable, townId: string, day: string): Promise<MealRow[]> {
  const { rows } = await db.query<MealRow>(
    `select distinct on (a.site, c.id)
            a.site, c.id as "childId", c.first_names as "firstNames", c.last_name as "lastName",
            c.diet_no_pork as "noPork", c.diet_vegetarian as "vegetarian", c.diet_gluten_free as "glutenFree",
            c.pai, c.pai_allergens as "paiAllergens"
       from reservations r
       join activities a on a.id = r.activity_id and a.town_id = r.town_id
       join children c on c.id = r.child_id and c.town_id = r.town_id
      where r.town_id = $1 and r.day = $2 and r.status = 'booked' and a.unit = 'Repas'
      order by a.site, c.id`,
    [townId, day],
  );
  return rows;
}

/** The sites of the town's meal activities, for the page's choice of site. */
export async function mealSites(db: Queryable, townId: string): Promise<string[]> {
  const { rows } = await db.query<{ site: string }>(
    `select distinct site from activities where town_id = $1 and unit = 'Repas' order by site`,
    [townId],
  );
  return rows.map((r) => r.site);
}

export interface ChildDiet {
  noPork: boolean;
  vegetarian: boolean;
  glutenFree: boolean;
  pai: boolean;
  paiAllergens: string;
}

export async function updateChildDiet(db: Queryable, townId: string, childId: string, d: ChildDiet): Promise<void> {
  await db.query(
    `update children set diet_no_pork = $3, diet_vegetarian = $4, diet_gluten_free = $5, pai = $6, pai_allergens = $7
      where town_id = $1 and id = $2`,
    [townId, childId, d.noPork, d.vegetarian, d.glutenFree, d.pai, d.paiAllergens],
  );
}

export interface KitchenSnapshot {
  site: string;
  deadline: Date;
  meals: MealRow[];
}

export async function findSnapshots(db: Queryable, townId: string, day: string): Promise<KitchenSnapshot[]> {
  const { rows } = await db.query<KitchenSnapshot>(
    `select site, deadline, meals from kitchen_snapshots where town_id = $1 and day = $2 order by site`,
    [townId, day],
  );
  return rows;
}

/** Keeps the first snapshot of a day and site: two readers racing store the same figures once. */
export async function insertSnapshot(db: Queryable, townId: string, day: string, s: KitchenSnapshot): Promise<void> {
  await db.query(
    `insert into kitchen_snapshots (town_id, day, site, deadline, meals) values ($1, $2, $3, $4, $5)
       on conflict (town_id, day, site) do nothing`,
    [townId, day, s.site, s.deadline, JSON.stringify(s.meals)],
  );
}
