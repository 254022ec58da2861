import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEuros } from '../../../src/lib/format.js';
import type { NewTariff } from '../../../src/repositories/billing-tariffs.repository.js';
import { urls } from '../../../src/routes.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/auth.js';
import {
  createActivity,
  createChild,
  createFamily,
  createParent,
  createQuotient,
  createTariff,
  setBillingSettings,
} from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';

/**
 * "Simulation des tarifs" through HTTP: the town's public page (brackets at their bounds, the
 * taux d'effort with its floor and ceiling, no QF, the non-resident price, a QF that cannot be
 * read) and the family's page in its space (its QF in force today, its residence, another QF).
 */

let t: TestApp;
const db = () => t.db.pool;
const SLUG = 'tarnos';
let meals: string; // Talloires' brackets: < 1100 → 0,99 €, then 3,80 / 4,30 / 4,80 €; Mon, Tue, Thu, Fri
let garderie: string; // 0,36 % of the QF between 2,60 € and 4,50 €, non-residents 5,20 €; Wednesdays only
let unpriced: string;

const EFFORT = {
  model: 'effort',
  effortRatePpm: 3600,
  effortFloorCents: 260,
  effortCeilingCents: 450,
  nonResidentPriceCents: 520,
  category: 'garde',
} as unknown as Partial<NewTariff>;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  meals = await createActivity(db(), SLUG, { name: 'Cantine simulée', site: 'École Jules Ferry' });
  await createTariff(db(), SLUG, meals);
  garderie = await createActivity(db(), SLUG, { name: 'Accueil du mercredi', site: 'Centre de loisirs', unit: 'Journée', weekdays: [3] });
  await createTariff(db(), SLUG, garderie, { ...EFFORT, sibling2ReductionBp: 1000, sibling3ReductionBp: 2500 });
  // A tariff of next year only is not in force today.
  unpriced = await createActivity(db(), SLUG, { name: 'Stage sans tarif', site: 'Gymnase' });
  await createTariff(db(), SLUG, unpriced, { effectiveFrom: '2027-01-04' });
  await setBillingSettings(db(), SLUG, { residentPostalCodes: ['40220'] });
});
afterAll(async () => {
  await t.close();
});

/** The panel of one activity on the page, as text. */
function panel(res: { text: string }, activityId: string): string {
  return page(res).text(`section[aria-labelledby="act-${activityId}"]`);
}

describe('the public simulation', () => {
  it('is linked from every town page and answers without signing in, with the QF explained', async () => {
    const home = await t.agent().get(urls.townHome(SLUG));
    expect(page(home).links('footer')).toContainEqual({ href: urls.tariffSimulation(SLUG), text: 'Simulation des tarifs' });
    const res = await t.agent().get(urls.tariffSimulation(SLUG));
    expect(res.status).toBe(200);
    expect(page(res).heading()).toBe('Simulation des tarifs');
    expect(page(res).label('qf')).toContain('Votre quotient familial (en euros)');
    expect(page(res).text()).toContain('QF = (revenus imposables annuels ÷ 12 + prestations familiales du mois) ÷ nombre de parts');
    expect(page(res).links()).toContainEqual({ href: 'https://www.caf.fr/', text: 'Caf.fr, le site des allocations familiales' });
    // A form that reads with GET: the address of a simulation can be shared.
    expect(page(res).one('form[method="get"]').attr('action')).toBe(urls.tariffSimulation(SLUG));
  });

  it('prices each activity for the QF typed: brackets at their bounds, the taux d’effort, a typical month', async () => {
    const at = (qf: string) => t.agent().get(urls.tariffSimulation(SLUG, { qf }));

    const r1200 = await at('1200');
    expect(r1200.status).toBe(200);
    expect(page(r1200).text()).toContain('Tarifs pour un quotient familial de 1\u202f200 €');
    expect(page(r1200).fieldValue('qf')).toBe('1200');
    const m = panel(r1200, meals);
    expect(m).toContain(`Prix unitaire (repas) ${formatEuros(380)}`);
    expect(m).toContain('Tranche de quotient de 1\u202f100\u00a0€ à 1\u202f499\u00a0€');
    // Four days a week, four weeks: 16 meals at 3,80 €.
    expect(m).toContain(`Un mois type ${formatEuros(6080)} : 16 jours (les lundis, mardis, jeudis et vendredis, 4 semaines)`);
    const g = panel(r1200, garderie);
    // 1 200 € × 0,36 % = 4,32 €, for residents; the non-resident price beside it.
    expect(g).toContain(`Prix unitaire (journée) ${formatEuros(432)} pour les résidents de la commune`);
    expect(g).toContain(`Prix non-résident ${formatEuros(520)}`);
    expect(g).toContain('Taux d’effort de 0,36\u00a0% du quotient');
    expect(g).toContain(`Un mois type ${formatEuros(1728)} : 4 jours (les mercredis, 4 semaines)`);
    // The sibling reductions, priced as the invoice does: 4,32 € less 10 % and less 25 %, each rounded to the cent.
    expect(g).toContain(`Prix pour le 2e enfant inscrit ${formatEuros(389)} (réduction de 10\u00a0%)`);
    expect(g).toContain(`Prix pour le 3e enfant inscrit et suivants ${formatEuros(324)} (réduction de 25\u00a0%)`);
    expect(page(r1200).text()).toContain('Un mois type compte 4 semaines');
    // The town's surcharge for a day attended without a booking (the demo towns': 30 %).
    expect(page(r1200).text()).toContain('ou venus sans réservation : ceux-là sont majorés de 30\u00a0%.');

    // The bounds of a bracket: 1 099 € is the first, 1 100 € the second.
    expect(panel(await at('1099'), meals)).toContain(`Prix unitaire (repas) ${formatEuros(99)}`);
    expect(panel(await at('1100'), meals)).toContain(`Prix unitaire (repas) ${formatEuros(380)}`);
    // The floor and the ceiling of the taux d'effort.
    expect(panel(await at('500'), garderie)).toContain(`${formatEuros(260)} pour les résidents`);
    expect(panel(await at('500'), garderie)).toContain('prix plancher');
    expect(panel(await at('3000'), garderie)).toContain(`${formatEuros(450)} pour les résidents`);
    // A typed "1 200 €" reads as 1 200.
    expect(panel(await at('1 200 €'), meals)).toContain(formatEuros(380));
  });

  it('without a QF, applies the highest bracket and the ceiling, and says so', async () => {
    const res = await t.agent().get(urls.tariffSimulation(SLUG, { qf: '' }));
    expect(res.status).toBe(200);
    expect(page(res).text()).toContain('Tarifs sans quotient familial (tarif le plus élevé)');
    expect(panel(res, meals)).toContain(`Prix unitaire (repas) ${formatEuros(480)}`);
    expect(panel(res, meals)).toContain('Sans quotient familial : tranche la plus élevée (à partir de 2\u202f000\u00a0€)');
    expect(panel(res, garderie)).toContain(`${formatEuros(450)} pour les résidents`);
    expect(panel(res, garderie)).toContain('Sans quotient familial : prix plafond');
    // An activity whose tariff is not in force yet is not priced at 0.
    expect(page(res).has(`section[aria-labelledby="act-${unpriced}"]`)).toBe(false);
    expect(page(res).texts('li')).toContain('Stage sans tarif – Gymnase');
  });

  it('refuses a QF it cannot read with a French message, the value kept, and a 400', async () => {
    const cases: [string, string][] = [
      ['douze cents', 'Saisissez votre quotient familial en chiffres'],
      ['-300', 'ne peut pas être négatif'],
      ['1200,50', 'en euros entiers, sans centimes'],
      ['2500000', 'Un quotient familial va de 0 à 100\u202f000 €'],
    ];
    for (const [typed, message] of cases) {
      const res = await t.agent().get(urls.tariffSimulation(SLUG, { qf: typed }));
      expect(res.status, typed).toBe(400);
      expect(page(res).title()).toMatch(/^Erreur : Simulation des tarifs/);
      expect(page(res).errorSummary()[0]!.field).toBe('qf');
      expect(page(res).fieldError('qf')).toContain(message);
      expect(page(res).fieldValue('qf')).toBe(typed);
      expect(page(res).has('section[aria-labelledby="resultats"]')).toBe(false);
    }
  });

  it('shows only the town’s own activities, and an unknown town is a 404', async () => {
    const other = await t.agent().get(urls.tariffSimulation('bayeux', { qf: '1200' }));
    expect(other.status).toBe(200);
    expect(other.text).not.toContain('Cantine simulée');
    expect((await t.agent().get('/nulle-part/simulation-des-tarifs')).status).toBe(404);
  });
});

describe('the family’s simulation in its space', () => {
  async function signedInFamily(postalCode: string, qf: { qf: number; effectiveFrom: string }[]) {
    const family = await createFamily(db(), SLUG, { name: 'SIMULATION', postalCode });
    await createChild(db(), SLUG, family.id, { firstNames: 'Jade', lastName: 'SIMULATION' });
    for (const q of qf) await createQuotient(db(), SLUG, { familyId: family.id, ...q });
    const parent = await createParent(db(), SLUG, { familyId: family.id, lastName: 'SIMULATION' });
    const agent = t.agent();
    await db().query('delete from rate_limits');
    const res = await signIn(agent, SLUG, parent.username, parent.password);
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
    return agent;
  }

  it('uses the QF in force today and the family’s residence, and lets the parent try another QF', async () => {
    // 1 600 € since September; 900 € from January is not in force yet. Paris: not resident.
    const agent = await signedInFamily('75011', [
      { qf: 1600, effectiveFrom: '2026-09-01' },
      { qf: 900, effectiveFrom: '2027-01-01' },
    ]);
    const family = await agent.get(urls.family(SLUG));
    expect(page(family).links()).toContainEqual({ href: urls.myTariffSimulation(SLUG), text: 'Simulation des tarifs' });

    const res = await agent.get(urls.myTariffSimulation(SLUG));
    expect(res.status).toBe(200);
    expect(page(res).text()).toContain("Quotient familial en vigueur aujourd'hui : 1\u202f600 €, depuis le 01/09/2026");
    expect(page(res).text()).toContain('votre famille paie le tarif des non-résidents');
    expect(panel(res, meals)).toContain(`Prix unitaire (repas) ${formatEuros(430)}`);
    // The non-resident price of the taux d'effort is the family's price.
    expect(panel(res, garderie)).toContain(`Prix unitaire (journée) ${formatEuros(520)}`);
    expect(panel(res, garderie)).toContain(`Un mois type ${formatEuros(2080)}`);
    expect(panel(res, garderie)).toContain('Tarif non-résident : un prix unique, quel que soit le quotient');
    expect(page(res).links()).toContainEqual({ href: urls.quotientDeclaration(SLUG), text: 'Déclarer un nouveau quotient familial' });

    const other = await agent.get(urls.myTariffSimulation(SLUG, { qf: '900' }));
    expect(other.status).toBe(200);
    expect(page(other).fieldValue('qf')).toBe('900');
    expect(panel(other, meals)).toContain(`Prix unitaire (repas) ${formatEuros(99)}`);

    const bad = await agent.get(urls.myTariffSimulation(SLUG, { qf: 'abc' }));
    expect(bad.status).toBe(400);
    expect(page(bad).fieldValue('qf')).toBe('abc');
    expect(page(bad).fieldError('qf')).toContain('Saisissez votre quotient familial en chiffres');
  });

  it('says when the family has no QF on file: the highest bracket applies', async () => {
    const agent = await signedInFamily('40220', []);
    const res = await agent.get(urls.myTariffSimulation(SLUG));
    expect(res.status).toBe(200);
    expect(page(res).text()).toContain("Aucun quotient familial n'est enregistré pour votre famille : le tarif le plus élevé s'applique.");
    expect(page(res).text()).toContain('Votre famille paie le tarif des résidents de la commune.');
    expect(panel(res, meals)).toContain(`Prix unitaire (repas) ${formatEuros(480)}`);
  });

  it('asks a visitor to sign in, and is not another town’s', async () => {
    const visitor = await t.agent().get(urls.myTariffSimulation(SLUG));
    expect(visitor.status).toBe(303);
    const agent = await signedInFamily('40220', []);
    expect((await agent.get(urls.myTariffSimulation('bayeux'))).status).not.toBe(200);
  });
});
