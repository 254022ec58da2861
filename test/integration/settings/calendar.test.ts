import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listClosures } from '../../../src/repositories/activities.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { page as parse } from '../../helpers/html.js';
import { town } from '../../helpers/fixtures.js';
import { checkedRadio, fieldErrorOf, inputValue, summaryOf, textOf, titleOf } from '../signup/signup-helpers.js';
import { auditRows, post, signedIn, type SignedInAgent } from './helpers.js';

let t: TestApp;
let admin: SignedInAgent;
let townId: string;
const PAGE = '/tarnos/agents/parametres/calendrier';

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-23T09:00:00Z' });
  admin = await signedIn(t, 'tarnos', 'admin');
  townId = (await town(t.db.pool, 'tarnos')).id;
});
afterAll(async () => t.close());
beforeEach(async () => {
  await t.db.pool.query('delete from rate_limits');
});

const periods = async () =>
  (
    await t.db.pool.query(`select id, kind, label, start_date, end_date from town_closures where town_id = $1 order by start_date, label`, [
      townId,
    ])
  ).rows;

/** The rows of one of the page's two tables, as text. */
function tableRows(html: string, id: 'fermetures' | 'vacances'): string[] {
  const p = parse(html);
  return p
    .all(`table:has(> caption#${id}-caption) tr`)
    .toArray()
    .slice(1)
    .map((tr) => textOf(`<main>${p.$(tr).html()}</main>`));
}

describe('closure days and school holidays', () => {
  it('lists both kinds of period apart; the demo school holidays are there', async () => {
    const page = await admin.agent.get(PAGE);
    expect(page.status).toBe(200);
    expect(titleOf(page.text)).toBe('Fermetures et vacances scolaires – Ville de Tarnos – Espace Famille');
    expect(textOf(page.text)).toContain('Aucune fermeture enregistrée.');
    const holidays = (await periods()).filter((p) => p.kind === 'school_holiday');
    expect(holidays.length).toBeGreaterThan(0);
    expect(tableRows(page.text, 'vacances')).toHaveLength(holidays.length);
    expect(checkedRadio(page.text, 'type')).toBe('closure');
  });

  it('adds a closure, shown with French dates, used by the town calendar, and audited', async () => {
    const res = await post(admin, PAGE, { type: 'closure', libelle: 'Pont de l’Ascension', du: '14/05/2027', au: '15/05/2027' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(PAGE);
    const page = await admin.agent.get(PAGE);
    expect(page.text).toContain('La fermeture « Pont de l’Ascension » du 14/05/2027 au 15/05/2027 a été ajoutée.');
    expect(tableRows(page.text, 'fermetures')).toEqual([
      'Pont de l’Ascension 14/05/2027 15/05/2027 Supprimer la période Pont de l’Ascension du 14/05/2027 au 15/05/2027',
    ]);
    // The same rows the reservations and the activation delay read.
    expect(await listClosures(t.db.pool, townId)).toContainEqual({
      kind: 'closure',
      label: 'Pont de l’Ascension',
      startDate: '2027-05-14',
      endDate: '2027-05-15',
    });
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.target_type === 'town_closure');
    expect(row!.details).toEqual({
      section: 'calendar',
      added: { kind: 'closure', label: 'Pont de l’Ascension', startDate: '2027-05-14', endDate: '2027-05-15' },
    });
  });

  it('adds a school holiday period (one day is a period too; an ISO date is read as well)', async () => {
    const res = await post(admin, PAGE, { type: 'school_holiday', libelle: 'Journée pédagogique', du: '2027-03-05', au: '5/3/2027' });
    expect(res.status).toBe(303);
    expect(tableRows((await admin.agent.get(PAGE)).text, 'vacances')).toContain(
      'Journée pédagogique 05/03/2027 05/03/2027 Supprimer la période Journée pédagogique du 05/03/2027 au 05/03/2027',
    );
  });

  it.each([
    ['au', { du: '10/12/2026', au: '01/12/2026' }, 'Le dernier jour doit être le même que le premier jour ou après'],
    ['au', { du: '01/01/2027', au: '02/01/2028' }, 'Une période ne peut pas dépasser un an : saisissez-la en plusieurs fois'],
    ['du', { du: '' }, 'Saisissez le premier jour'],
    ['du', { du: '31/02/2027' }, 'Saisissez le premier jour au format JJ/MM/AAAA, par exemple 21/12/2026'],
    ['du', { du: 'demain' }, 'Saisissez le premier jour au format JJ/MM/AAAA, par exemple 21/12/2026'],
    ['du', { du: '01/01/1999' }, 'Saisissez le premier jour au format JJ/MM/AAAA, par exemple 21/12/2026'],
    ['au', { au: '1'.repeat(500) }, 'Saisissez le dernier jour au format JJ/MM/AAAA, par exemple 21/12/2026'],
    ['libelle', { libelle: ' ' }, 'Saisissez le libellé de la période, par exemple Vacances de Noël'],
    ['libelle', { libelle: 'x'.repeat(121) }, 'Le libellé doit contenir 120 caractères au maximum'],
    ['type', { type: 'holiday' }, 'Choisissez le type de période : fermeture des services ou vacances scolaires'],
    ['type', { type: undefined }, 'Choisissez le type de période : fermeture des services ou vacances scolaires'],
  ])('refuses an invalid %s (case %#), keeping what was typed', async (field, override, message) => {
    const before = await periods();
    const values: Record<string, string | undefined> = {
      type: 'closure',
      libelle: 'Fermeture estivale',
      du: '02/08/2027',
      au: '13/08/2027',
      ...override,
    };
    if (values.type === undefined) delete values.type;
    const res = await post(admin, PAGE, values as Record<string, string>);
    expect(res.status).toBe(400);
    expect(titleOf(res.text)).toBe('Erreur : Fermetures et vacances scolaires – Ville de Tarnos – Espace Famille');
    expect(summaryOf(res.text)).toEqual([[field, message]]);
    expect(fieldErrorOf(res.text, field)).toBe(message);
    expect(inputValue(res.text, 'libelle')).toBe(values.libelle);
    expect(inputValue(res.text, 'du')).toBe(values.du);
    expect(await periods()).toEqual(before);
  });

  it('removes a period and audits what it was; a second removal is a 404', async () => {
    const [period] = (await periods()).filter((p) => p.label === 'Pont de l’Ascension');
    const res = await post(admin, `${PAGE}/${period!.id}/supprimer`);
    expect(res.status).toBe(303);
    const page = await admin.agent.get(PAGE);
    expect(page.text).toContain('La période « Pont de l’Ascension » du 14/05/2027 au 15/05/2027 a été supprimée.');
    expect(tableRows(page.text, 'fermetures')).toEqual([]);
    const [row] = (await auditRows(t, admin.id, 'settings.update')).filter((r) => r.details.removed);
    expect(row!.details.removed).toMatchObject({ id: period!.id, kind: 'closure', label: 'Pont de l’Ascension', startDate: '2027-05-14' });
    expect((await post(admin, `${PAGE}/${period!.id}/supprimer`)).status).toBe(404);
  });
});
