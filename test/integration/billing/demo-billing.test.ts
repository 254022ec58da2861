import { getSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOWNS, loadDemoData } from '../../../src/db/demo-data.js';
import {
  getBillingSettings,
  listActivityRegies,
  listQuotients,
  listRegies,
  listTariffs,
} from '../../../src/repositories/billing-tariffs.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { familyByKey, town } from '../../helpers/fixtures.js';

/**
 * The demo towns can bill out of the box (issue 14): a régie collecting their activities,
 * a tariff for each, the seed's settings, a QF for the MARTIN family; and loading the demo
 * data again (every start-up does) adds nothing and undoes no agent's change.
 */
let t: TestApp;
const db = () => t.db.pool;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
});
afterAll(async () => t.close());

async function counts() {
  const { rows } = await db().query(
    `select (select count(*) from regies) r, (select count(*) from tariffs) t, (select count(*) from tariff_brackets) b,
            (select count(*) from family_quotients) q, (select count(*) from billing_settings) s,
            (select count(*) from activities where regie_id is not null) a`,
  );
  return rows[0];
}

describe('demo billing data', () => {
  it.each(DEMO_TOWNS.map((d) => d.slug))('%s has a régie, a tariff for every activity, its settings and a QF', async (slug) => {
    const { id } = await town(db(), slug);
    const regies = await listRegies(db(), id);
    expect(regies.map((r) => [r.name, r.code])).toEqual([['Régie Enfance Jeunesse', 'ENF']]);
    const activities = await listActivityRegies(db(), id);
    expect(activities.length).toBeGreaterThan(0);
    expect(activities.every((a) => a.regieId === regies[0]!.id)).toBe(true);
    const tariffs = await listTariffs(
      db(),
      id,
      activities.map((a) => a.id),
    );
    for (const a of activities) expect(tariffs.get(a.id), a.name).toHaveLength(1);
    const meals = tariffs.get(activities.find((a) => a.name === 'Restauration Scolaire')!.id)![0]!;
    expect(meals).toMatchObject({ model: 'brackets', category: 'repas' });
    expect(meals.model === 'brackets' && meals.brackets.every((b) => b.nonResidentPriceCents === 520)).toBe(true);
    const alsh = tariffs.get(activities.find((a) => a.name === 'Accueil de loisirs (vacances)')!.id)![0]!;
    expect(alsh).toMatchObject({
      model: 'effort',
      effortFloorCents: 500,
      effortCeilingCents: 1800,
      sibling2ReductionBp: 1000,
      category: 'garde',
    });
    const postalCode = DEMO_TOWNS.find((d) => d.slug === slug)!.families[0]!.postalCode;
    expect(await getBillingSettings(db(), id)).toEqual({
      unreservedSurchargeBp: 3000,
      invoiceDueDay: 15,
      residentPostalCodes: [postalCode],
    });
    // Bondoufle's guide offers direct debit: its demo town takes it, the others do not.
    expect(await getSepaSettings(db(), id)).toMatchObject(
      slug === 'bondoufle'
        ? { enabled: true, creditorId: 'FR72ZZZ123456', creditorIban: 'FR7630001007941234567890185' }
        : { enabled: false },
    );
    const martin = await familyByKey(db(), slug, `${postalCode}-MARTIN1`);
    expect((await listQuotients(db(), id, [martin.id])).get(martin.id)).toEqual([{ qf: 850, effectiveFrom: '2026-09-01' }]);
  });

  it('loading the demo data again adds nothing and keeps an agent’s changes', async () => {
    const { id } = await town(db(), 'tarnos');
    const meals = (await listActivityRegies(db(), id)).find((a) => a.name === 'Restauration Scolaire')!;
    // An agent took the meals out of the régie: a restart must not put them back.
    await db().query(`update activities set regie_id = null where id = $1`, [meals.id]);
    const before = await counts();
    await loadDemoData(db());
    expect(await counts()).toEqual(before);
    expect((await listActivityRegies(db(), id)).find((a) => a.id === meals.id)!.regieId).toBeNull();
  });
});
