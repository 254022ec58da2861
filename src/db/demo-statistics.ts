import type pg from 'pg';

/**
 * The demo towns' accueils de loisirs declared to the CAF, 8 hours a day present (issue 19),
 * so the CAF's monthly return has something to show after a fresh `npm start`. Only while no
 * activity of the town is declared: an agent's own choice survives restarts.
 */
export async function loadDemoStatistics(client: pg.PoolClient, townId: string): Promise<void> {
  await client.query(
    `update activities set caf_declared = true, caf_unit = 'heures', caf_hours_per_day = 8
      where town_id = $1 and name like 'Accueil%'
        and not exists (select 1 from activities where town_id = $1 and caf_declared)`,
    [townId],
  );
}
