import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMonthInvoices } from '../../../src/repositories/billing-invoices.repository.js';
import { getBillingSettings, listQuotients, listTariffs } from '../../../src/repositories/billing-tariffs.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createActivity, createAdult, createFamily, createRegie, town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';
import { bookedFamily, invoiceMonth, regieWithActivity } from './parent-billing.js';

/**
 * Every form of the régie's setup (issue 14), as an admin of Tarnos fills it: the valid
 * path (saved, audited, shown), and each kind of invalid input (400, the French message
 * beside the field and in the summary, what was typed still there, nothing saved).
 */
let t: TestApp;
let admin: SignedInAgent;
let tarnos: string;
const db = () => t.db.pool;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  tarnos = (await town(db(), 'tarnos')).id;
  admin = await signedIn(t, 'tarnos', 'admin');
});
afterAll(async () => t.close());

async function regieOf(activityId: string): Promise<string | null> {
  return (await db().query<{ regie_id: string | null }>(`select regie_id from activities where id = $1`, [activityId])).rows[0]!.regie_id;
}

function expectRefused(res: { status: number; text: string }, errors: Record<string, string>, values: Record<string, string> = {}) {
  const seen = page(res);
  expect(res.status).toBe(400);
  expect(seen.title()).toMatch(/^Erreur : /);
  expect(seen.errorSummary()).toEqual(Object.entries(errors).map(([field, message]) => ({ field, message })));
  for (const [field, message] of Object.entries(errors)) expect(seen.fieldError(field)).toBe(message);
  for (const [field, value] of Object.entries(values)) expect(seen.fieldValue(field), field).toBe(value);
  return seen;
}

// ---------------------------------------------------------------- régies

describe('régies', () => {
  const R = '/tarnos/agents/facturation/regies';

  it('creates a régie with the activities it collects, the code in capitals, audited; the list says which activities are not invoiced', async () => {
    const meals = await createActivity(db(), 'tarnos', { name: 'Cantine Jaurès' });
    const other = await createActivity(db(), 'tarnos', { name: 'Garderie du soir' });
    const form = page(await admin.agent.get(`${R}/nouvelle`));
    expect(form.label(`activites-${meals}`)).toContain('Cantine Jaurès');
    const res = await post(admin, `${R}/nouvelle`, { nom: 'Régie Enfance', code: ' enf2 ', activites: meals });
    expect([res.status, res.headers.location]).toEqual([303, R]);
    const { rows } = await db().query<{ id: string; code: string }>(
      `select id, code from regies where town_id = $1 and name = 'Régie Enfance'`,
      [tarnos],
    );
    expect(rows.map((r) => r.code)).toEqual(['ENF2']);
    expect(await regieOf(meals)).toBe(rows[0]!.id);
    expect(await regieOf(other)).toBeNull();
    const audit = await auditRows(t, admin.id, 'regie.create');
    expect(audit.map((a) => [a.target_id, a.details])).toEqual([
      [rows[0]!.id, { name: 'Régie Enfance', code: 'ENF2', activityIds: [meals] }],
    ]);

    const list = page(await admin.agent.get(R));
    expect(list.row('Régie Enfance').cells.slice(0, 2)).toEqual(['ENF2', 'Cantine Jaurès (Site test)']);
    expect(list.text('section[aria-labelledby="sans-regie-title"]')).toContain('elles ne sont pas facturées');
    expect(list.texts('section[aria-labelledby="sans-regie-title"] li').some((li) => li.startsWith('Garderie du soir'))).toBe(true);
  });

  it('refuses a missing name and a code that is not 2 to 10 capitals or digits, keeping what was typed and ticked', async () => {
    const activity = await createActivity(db(), 'tarnos');
    const before = await db().query(`select count(*) from regies`);
    const seen = expectRefused(
      await post(admin, `${R}/nouvelle`, { nom: '  ', code: 'É-1', activites: activity }),
      {
        nom: 'Saisissez le nom de la régie',
        code: 'Le code compte de 2 à 10 lettres majuscules ou chiffres, sans espace ni accent, par exemple ENF',
      },
      { code: 'É-1' },
    );
    expect(seen.checked('activites')).toEqual([activity]);
    expectRefused(await post(admin, `${R}/nouvelle`, { nom: 'R'.repeat(121), code: 'ABCDEFGHIJK' }), {
      nom: 'Le nom de la régie doit comporter 120 caractères au maximum',
      code: 'Le code compte de 2 à 10 lettres majuscules ou chiffres, sans espace ni accent, par exemple ENF',
    });
    expect((await db().query(`select count(*) from regies`)).rows).toEqual(before.rows);
  });

  it('refuses a code another régie of the town has, and a forged activity value', async () => {
    await createRegie(db(), 'tarnos', { name: 'Régie Culture', code: 'CULT' });
    expectRefused(
      await post(admin, `${R}/nouvelle`, { nom: 'Régie bis', code: 'cult' }),
      {
        code: 'Le code CULT est déjà celui de la régie « Régie Culture » : choisissez-en un autre',
      },
      { nom: 'Régie bis', code: 'cult' },
    );
    // Another town may use the same code: it is unique per town.
    await createRegie(db(), 'bayeux', { code: 'SPORT' });
    expect((await post(admin, `${R}/nouvelle`, { nom: 'Régie Sport', code: 'SPORT' })).status).toBe(303);
    expectRefused(await post(admin, `${R}/nouvelle`, { nom: 'Régie ter', code: 'TER', activites: 'not-an-id' }), {
      activites: 'Choisissez les activités dans la liste',
    });
  });

  it('edits a régie: renames it, takes an activity out (no longer invoiced) and moves one from another régie', async () => {
    const a = await createActivity(db(), 'tarnos');
    const b = await createActivity(db(), 'tarnos');
    const regie = await createRegie(db(), 'tarnos', { name: 'Régie A', code: 'RA', activityIds: [a] });
    const other = await createRegie(db(), 'tarnos', { name: 'Régie B', code: 'RB', activityIds: [b] });
    const form = page(await admin.agent.get(`${R}/${regie}`));
    expect([form.fieldValue('nom'), form.fieldValue('code')]).toEqual(['Régie A', 'RA']);
    expect(form.checked('activites')).toEqual([a]);
    expect(form.label(`activites-${b}`)).toContain('actuellement dans la régie Régie B');

    expect((await post(admin, `${R}/${regie}`, { nom: 'Régie A1', code: 'RA1', activites: b })).status).toBe(303);
    expect([await regieOf(a), await regieOf(b)]).toEqual([null, regie]);
    expect((await db().query(`select name, code from regies where id = $1`, [regie])).rows).toEqual([{ name: 'Régie A1', code: 'RA1' }]);
    expect(await auditRows(t, admin.id, 'regie.update')).toHaveLength(1);
    // Keeping its own code is not "taken".
    expect((await post(admin, `${R}/${other}`, { nom: 'Régie B', code: 'RB' })).status).toBe(303);
  });

  /** A Tarnos régie (code `code`) whose activity « Cantine » it invoiced for November 2026. */
  async function invoicedRegie(code: string) {
    const { activityId, regieId, townId } = await regieWithActivity(t, 'tarnos', { name: 'Cantine' });
    await db().query(`update regies set code = $2, name = $3 where id = $1`, [regieId, code, `Régie ${code}`]);
    const f = await bookedFamily(t, 'tarnos', activityId, { name: `FAMILLE${code}`, present: ['2026-11-02', '2026-11-03'] });
    await invoiceMonth(t, townId, regieId);
    const [invoice] = await listMonthInvoices(db(), townId, regieId, '2026-11-01');
    return { activityId, regieId, townId, familyId: f.familyId, invoice: invoice! };
  }

  const invoicesOfFamily = async (familyId: string) =>
    (await db().query<{ number: string }>(`select number from invoices where family_id = $1 order by number`, [familyId])).rows.map(
      (r) => r.number,
    );

  it('refuses to put an activity another régie has invoiced into a new régie, or into one after taking it out of the first', async () => {
    const a = await invoicedRegie('ENFA');
    const billedTwice =
      'L’activité « Cantine » a déjà été facturée par la régie « Régie ENFA » : elle ne peut pas changer de régie, ses jours seraient facturés deux fois';
    const seen = expectRefused(
      await post(admin, `${R}/nouvelle`, { nom: 'Régie B', code: 'RBIS', activites: a.activityId }),
      { activites: billedTwice },
      { nom: 'Régie B', code: 'RBIS' },
    );
    expect(seen.checked('activites')).toEqual([a.activityId]);
    expect(await regieOf(a.activityId)).toBe(a.regieId);
    expect((await db().query(`select 1 from regies where code = 'RBIS'`)).rows).toEqual([]);

    // Taken out of its régie (no longer invoiced), then ticked in another: refused the same way.
    expect((await post(admin, `${R}/${a.regieId}`, { nom: 'Régie ENFA', code: 'ENFA' })).status).toBe(303);
    expect(await regieOf(a.activityId)).toBeNull();
    const b = await createRegie(db(), 'tarnos', { name: 'Régie B', code: 'RTER' });
    expectRefused(await post(admin, `${R}/${b}`, { nom: 'Régie B', code: 'RTER', activites: a.activityId }), { activites: billedTwice });
    expect(await regieOf(a.activityId)).toBeNull();

    // Back into the régie that invoiced it: its runs skip the families already invoiced.
    expect((await post(admin, `${R}/${a.regieId}`, { nom: 'Régie ENFA', code: 'ENFA', activites: a.activityId })).status).toBe(303);
    expect(await regieOf(a.activityId)).toBe(a.regieId);
    // Saving that régie again with the activity it has is not refused either.
    expect((await post(admin, `${R}/${a.regieId}`, { nom: 'Régie A', code: 'ENFA', activites: a.activityId })).status).toBe(303);
    expect(await invoicesOfFamily(a.familyId)).toEqual(['ENFA-2026-000001']);
  });

  it('never invoices a child’s day twice, even for an activity moved to another régie without the form', async () => {
    const a = await invoicedRegie('ENFB');
    const b = await createRegie(db(), 'tarnos', { code: 'RQUATER' });
    await db().query(`update activities set regie_id = $2 where id = $1`, [a.activityId, b]);
    await expect(invoiceMonth(t, a.townId, b)).rejects.toThrow();
    expect(await invoicesOfFamily(a.familyId)).toEqual(['ENFB-2026-000001']);
  });

  it('refuses to change the code of a régie that has issued invoices, and a code printed in the town’s numbers', async () => {
    const a = await invoicedRegie('ENFC');
    const frozen = 'Le code d’une régie qui a émis des factures ne peut plus changer : il figure dans leurs numéros';
    expectRefused(
      await post(admin, `${R}/${a.regieId}`, { nom: 'Régie Enfance', code: 'ENFC2', activites: a.activityId }),
      { code: frozen },
      {
        nom: 'Régie Enfance',
        code: 'ENFC2',
      },
    );
    expect((await db().query(`select name, code from regies where id = $1`, [a.regieId])).rows).toEqual([
      { name: 'Régie ENFC', code: 'ENFC' },
    ]);
    // Its name may still change, its code kept.
    expect((await post(admin, `${R}/${a.regieId}`, { nom: 'Régie Enfance', code: 'ENFC', activites: a.activityId })).status).toBe(303);

    // A régie renamed before this rule left its numbers behind: the code cannot start a new series.
    const renamed = await invoicedRegie('OLD');
    await db().query(`update regies set code = 'NEW' where id = $1`, [renamed.regieId]);
    expectRefused(await post(admin, `${R}/nouvelle`, { nom: 'Régie neuve', code: 'OLD' }), {
      code: 'Le code OLD figure déjà dans des numéros de la commune (OLD-2026-000001) : choisissez-en un autre',
    });
    const other = await createRegie(db(), 'tarnos', { code: 'RCINQ' });
    expectRefused(await post(admin, `${R}/${other}`, { nom: 'Régie cinq', code: 'OLD' }), {
      code: 'Le code OLD figure déjà dans des numéros de la commune (OLD-2026-000001) : choisissez-en un autre',
    });
  });

  it('answers 404, and changes nothing, for an activity of another town ticked in the form', async () => {
    const mine = await createActivity(db(), 'tarnos');
    const theirs = await createActivity(db(), 'bayeux');
    const regie = await createRegie(db(), 'tarnos', { code: 'RX', activityIds: [] });
    const res = await admin.agent
      .post(`${R}/${regie}`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(admin.token)}&nom=X&code=RX&activites=${mine}&activites=${theirs}`);
    expect(res.status).toBe(404);
    expect([await regieOf(mine), await regieOf(theirs)]).toEqual([null, null]);
  });
});

// ---------------------------------------------------------------- tariffs

describe('tariffs', () => {
  const T = (id: string) => `/tarnos/agents/facturation/tarifs/${id}`;
  const brackets = {
    anneeScolaire: '2026-2027',
    dateEffet: '01/09/2026',
    categorie: 'repas',
    modele: 'brackets',
    lignes: '4',
    qf0: '0',
    prix0: '1,00',
    qf1: '700',
    prix1: '2,60 €',
    prixNr1: '5,2',
    qf2: '1 100',
    prix2: '3.80',
    qf3: '',
    prix3: '',
    reduction2: '10',
    reduction3: '12,5 %',
  };

  it('records a tariff by brackets typed the French way, shows it as the version in force, and lists it', async () => {
    const activity = await createActivity(db(), 'tarnos', { name: 'Cantine des Pins' });
    const res = await post(admin, T(activity), brackets);
    expect([res.status, res.headers.location]).toEqual([303, T(activity)]);
    const [tariff] = (await listTariffs(db(), tarnos, [activity])).get(activity)!;
    expect(tariff).toMatchObject({
      model: 'brackets',
      effectiveFrom: '2026-09-01',
      category: 'repas',
      sibling2ReductionBp: 1000,
      sibling3ReductionBp: 1250,
      brackets: [
        { qfMin: 0, priceCents: 100, nonResidentPriceCents: null },
        { qfMin: 700, priceCents: 260, nonResidentPriceCents: 520 },
        { qfMin: 1100, priceCents: 380, nonResidentPriceCents: null },
      ],
    });
    const audit = await auditRows(t, admin.id, 'tariff.create');
    expect(audit.at(-1)!.target_id).toBe(tariff!.id);

    const shown = page(await admin.agent.get(T(activity)));
    expect(shown.text('.notice')).toContain("il s'applique à partir du 01/09/2026");
    expect(shown.texts('#versions-title ~ section h3')).toEqual(['À partir du 01/09/2026 (en vigueur)']);
    expect(shown.row('De 700 € à 1099 €').cells).toEqual(['2,60\u00a0€', '5,20\u00a0€']);
    expect(shown.row('À partir de 1100 €, et sans quotient connu').cells).toEqual(['3,80\u00a0€', 'Même prix']);
    expect(shown.dd('Réductions')).toBe('2e enfant : 10\u00a0% ; à partir du 3e : 12,5\u00a0%');
    // The form starts from the version in force, with an empty date of effect.
    expect([shown.fieldValue('prix1'), shown.fieldValue('qf2'), shown.fieldValue('dateEffet')]).toEqual(['2,60', '1100', '']);
    expect(shown.text()).toContain("Cette activité n'est rattachée à aucune régie : elle n'est pas facturée.");

    const list = page(await admin.agent.get('/tarnos/agents/facturation/tarifs'));
    expect(list.row('Cantine des Pins : tarifs').cells).toEqual([
      'Site test, du 01/09/2026 au 02/07/2027',
      'Aucune : non facturée',
      '3 tranches de quotient familial, de 1,00\u00a0€ à 3,80\u00a0€, depuis le 01/09/2026',
      '2026-2027',
    ]);
  });

  it('records a taux d’effort with its floor, ceiling and non-resident price', async () => {
    const activity = await createActivity(db(), 'tarnos');
    await createRegie(db(), 'tarnos', { activityIds: [activity] });
    const res = await post(admin, T(activity), {
      anneeScolaire: '2026/2027',
      dateEffet: '2027-01-04',
      categorie: 'garde',
      modele: 'effort',
      taux: '0,36 %',
      plancher: '2,60',
      plafond: '4,50 €',
      prixNonResident: '6',
    });
    expect(res.status).toBe(303);
    expect((await listTariffs(db(), tarnos, [activity])).get(activity)).toEqual([
      expect.objectContaining({
        model: 'effort',
        effectiveFrom: '2027-01-04',
        effortRatePpm: 3600,
        effortFloorCents: 260,
        effortCeilingCents: 450,
        nonResidentPriceCents: 600,
        sibling2ReductionBp: 0,
        category: 'garde',
      }),
    ]);
    const shown = page(await admin.agent.get(T(activity)));
    expect(shown.dd("Taux d'effort")).toBe('0,36\u00a0% du quotient familial');
    expect(shown.texts('#versions-title ~ section h3')).toEqual(['À partir du 04/01/2027']);
  });

  it('refuses each kind of wrong value, in French, keeping what was typed and saving nothing', async () => {
    const activity = await createActivity(db(), 'tarnos');
    expectRefused(
      await post(admin, T(activity), {
        ...brackets,
        anneeScolaire: '2026-2028',
        dateEffet: '31/02/2027',
        prix0: '12,505',
        qf1: 'sept cents',
        prix2: '',
        reduction2: '150',
      }),
      {
        anneeScolaire: 'Saisissez l’année scolaire, par exemple 2026-2027',
        dateEffet: 'Saisissez la date d’effet du tarif au format JJ/MM/AAAA, par exemple 01/09/2026',
        reduction2: 'La réduction du 2e enfant est un pourcentage de 0 à 100, par exemple 10',
        prix0: 'Le prix de la tranche 1 est un montant en euros de 0 à 100 000, par exemple 3,80',
        qf1: 'Le quotient de la tranche 2 est un nombre entier d’euros, de 0 à 100 000',
        prix2: 'Saisissez le prix de la tranche 3',
      },
      { anneeScolaire: '2026-2028', prix0: '12,505', qf1: 'sept cents', prixNr1: '5,2', reduction3: '12,5 %' },
    );
    expectRefused(await post(admin, T(activity), { ...brackets, qf0: '100' }), {
      qf0: 'La première tranche doit commencer à un quotient de 0 €',
    });
    expectRefused(await post(admin, T(activity), { ...brackets, qf2: '700' }), { qf0: 'Deux tranches commencent au même quotient' });
    expectRefused(
      await post(admin, T(activity), { ...brackets, qf0: '', prix0: '', qf1: '', prix1: '', prixNr1: '', qf2: '', prix2: '' }),
      {
        qf0: 'Indiquez au moins une tranche',
      },
    );
    expectRefused(
      await post(admin, T(activity), { ...brackets, modele: 'effort', taux: '0', plancher: '', plafond: '4,50' }),
      { taux: 'Le taux d’effort doit être supérieur à 0', plancher: 'Saisissez le prix plancher, par exemple 2,60' },
      { taux: '0', plafond: '4,50' },
    );
    expectRefused(await post(admin, T(activity), { ...brackets, modele: 'effort', taux: '0,5', plancher: '5', plafond: '4' }), {
      plancher: 'Le plancher ne peut pas dépasser le plafond',
    });
    expectRefused(await post(admin, T(activity), { ...brackets, modele: 'autre', categorie: '' }), {
      categorie: 'Choisissez si l’activité est un repas ou une garde',
      modele: 'Choisissez le mode de calcul du tarif',
    });
    expect((await listTariffs(db(), tarnos, [activity])).size).toBe(0);
  });

  it('refuses a second version on the same date of effect', async () => {
    const activity = await createActivity(db(), 'tarnos');
    expect((await post(admin, T(activity), brackets)).status).toBe(303);
    expectRefused(
      await post(admin, T(activity), { ...brackets, prix0: '0,50' }),
      {
        dateEffet: 'Un tarif de cette activité prend déjà effet à cette date',
      },
      { prix0: '0,50' },
    );
    expect((await listTariffs(db(), tarnos, [activity])).get(activity)).toHaveLength(1);
  });

  it('"Ajouter une tranche" shows one more row, keeping what was typed, and saves nothing', async () => {
    const activity = await createActivity(db(), 'tarnos');
    const res = await post(admin, T(activity), { ...brackets, qf3: '1500', prix3: '4,50', action: 'ajouter-tranche' });
    expect(res.status).toBe(200);
    const seen = page(res);
    expect([seen.hidden('lignes'), seen.fieldValue('qf3'), seen.fieldValue('prix3'), seen.fieldValue('qf4')]).toEqual([
      '5',
      '1500',
      '4,50',
      '',
    ]);
    expect(seen.label('qf4')).toBe('QF à partir de (€)');
    expect((await listTariffs(db(), tarnos, [activity])).size).toBe(0);
    // The fifth row is read when the form is saved.
    expect((await post(admin, T(activity), { ...brackets, lignes: '5', qf4: '2000', prix4: '5' })).status).toBe(303);
    const [saved] = (await listTariffs(db(), tarnos, [activity])).get(activity)!;
    expect(saved!.model === 'brackets' && saved!.brackets.map((b) => b.qfMin)).toEqual([0, 700, 1100, 2000]);
  });
});

// ---------------------------------------------------------------- settings

describe('billing settings', () => {
  const S = '/tarnos/agents/facturation/parametres';

  it('saves the surcharge, due day and resident postal codes, typed the French way, audited', async () => {
    const res = await post(admin, S, { majoration: '12,5 %', jourEcheance: '10', codesPostaux: '40220, 40220;\n40130 ' });
    expect([res.status, res.headers.location]).toEqual([303, S]);
    expect(await getBillingSettings(db(), tarnos)).toEqual({
      unreservedSurchargeBp: 1250,
      invoiceDueDay: 10,
      residentPostalCodes: ['40220', '40130'],
    });
    expect(await auditRows(t, admin.id, 'billing_settings.update')).toHaveLength(1);
    const shown = page(await admin.agent.get(S));
    expect([shown.fieldValue('majoration'), shown.fieldValue('jourEcheance'), shown.fieldValue('codesPostaux')]).toEqual([
      '12,5',
      '10',
      '40220, 40130',
    ]);
  });

  it('refuses each kind of wrong value, keeping what was typed', async () => {
    const before = await getBillingSettings(db(), tarnos);
    expectRefused(
      await post(admin, S, { majoration: '1 000,01', jourEcheance: '29', codesPostaux: '4022, 40130' }),
      {
        majoration: 'La majoration est un pourcentage de 0 à 1 000, par exemple 30 ou 12,5',
        jourEcheance: 'Le jour d’échéance est un nombre de 1 à 28',
        codesPostaux: 'Saisissez des codes postaux de cinq chiffres, séparés par des virgules, par exemple 14400, 14401',
      },
      { majoration: '1 000,01', jourEcheance: '29', codesPostaux: '4022, 40130' },
    );
    expectRefused(await post(admin, S, { majoration: 'trente', jourEcheance: '0' }), {
      majoration: 'La majoration est un pourcentage de 0 à 1 000, par exemple 30 ou 12,5',
      jourEcheance: 'Le jour d’échéance est un nombre de 1 à 28',
    });
    expect(await getBillingSettings(db(), tarnos)).toEqual(before);
  });
});

// ---------------------------------------------------------------- a family's QF and payer

describe('a family’s billing', () => {
  let familyId: string;
  let adultId: string;
  const B = () => `/tarnos/agents/familles/${familyId}/facturation`;

  beforeAll(async () => {
    familyId = (await createFamily(db(), 'tarnos', { name: 'Lefèvre' })).id;
    adultId = await createAdult(db(), 'tarnos', familyId, { civility: 'M', firstNames: 'Paul', lastName: 'Lefèvre' });
  });

  it('records a QF with its date of effect and source, audited, and shows the history with who recorded it', async () => {
    const res = await post(admin, `${B()}/quotient`, { qf: '1 250 €', dateEffet: '01/01/2027', source: 'caf' });
    expect([res.status, res.headers.location]).toEqual([303, B()]);
    expect((await post(admin, `${B()}/quotient`, { qf: '800', dateEffet: '01/09/2026', source: 'agent' })).status).toBe(303);
    expect((await listQuotients(db(), tarnos, [familyId])).get(familyId)).toEqual([
      { qf: 800, effectiveFrom: '2026-09-01' },
      { qf: 1250, effectiveFrom: '2027-01-01' },
    ]);
    expect((await auditRows(t, admin.id, 'quotient.record')).map((a) => a.details)).toEqual([
      { qf: 1250, effectiveFrom: '2027-01-01', source: 'caf' },
      { qf: 800, effectiveFrom: '2026-09-01', source: 'agent' },
    ]);
    const shown = page(await admin.agent.get(B()));
    expect(shown.heading()).toBe('Famille LEFÈVRE : facturation');
    const recorded = shown.row('01/01/2027').cells;
    expect(recorded.slice(0, 2)).toEqual(['1\u202f250\u00a0€', 'Attestation CAF ou MSA']);
    expect(recorded[2]).toMatch(/ par Agent \d+$/);
    // On 2 December 2026, the QF of September is the one in force.
    expect(shown.row('01/09/2026 (en vigueur)').cells[1]).toBe('Services de la commune');
    expect(shown.rows().map((r) => r.header)).toEqual(['01/01/2027', '01/09/2026 (en vigueur)']);
    expect(shown.dd('Tarif')).toBe('Résident (pas de code postal au dossier)');
  });

  it('says whether the family pays the non-resident prices, from its postal code and the town’s', async () => {
    const elsewhere = (await createFamily(db(), 'tarnos', { postalCode: '33000' })).id;
    expect(page(await admin.agent.get(`/tarnos/agents/familles/${elsewhere}/facturation`)).dd('Tarif')).toBe(
      'Non-résident : prix non-résidents quand le tarif en prévoit (code postal 33000)',
    );
  });

  it('refuses a QF that is not a whole number of euros, a wrong date or no source, keeping what was typed', async () => {
    const before = (await listQuotients(db(), tarnos, [familyId])).get(familyId);
    expectRefused(
      await post(admin, `${B()}/quotient`, { qf: '850,50', dateEffet: '2027-13-01' }),
      {
        qf: 'Le quotient familial est un nombre entier d’euros, de 0 à 100 000, par exemple 850',
        dateEffet: 'Saisissez la date d’effet au format JJ/MM/AAAA, par exemple 01/09/2026',
        source: 'Choisissez d’où vient ce quotient familial',
      },
      { qf: '850,50', dateEffet: '2027-13-01' },
    );
    expectRefused(await post(admin, `${B()}/quotient`, { qf: '100001', dateEffet: '', source: 'parent_declaration' }), {
      qf: 'Le quotient familial est un nombre entier d’euros, de 0 à 100 000, par exemple 850',
      dateEffet: 'Saisissez la date d’effet',
      source: 'Choisissez d’où vient ce quotient familial',
    });
    expect((await listQuotients(db(), tarnos, [familyId])).get(familyId)).toEqual(before);
  });

  it('chooses the payer and split invoicing, audited, and shows them; unticking turns split invoicing off', async () => {
    expect(page(await admin.agent.get(B())).selected('payeur')).toBe('');
    const res = await post(admin, `${B()}/payeur`, { payeur: adultId, separee: 'oui' });
    expect([res.status, res.headers.location]).toEqual([303, B()]);
    const payer = async () => (await db().query(`select payer_adult_id, split_invoicing from families where id = $1`, [familyId])).rows[0];
    expect(await payer()).toEqual({ payer_adult_id: adultId, split_invoicing: true });
    const shown = page(await admin.agent.get(B()));
    expect([shown.selected('payeur'), shown.checked('separee')]).toEqual([adultId, ['oui']]);
    expect(shown.texts('#payeur option')).toEqual(['Famille LEFÈVRE (aucun adulte désigné)', 'M. Paul LEFÈVRE']);
    expect((await post(admin, `${B()}/payeur`, { payeur: '' })).status).toBe(303);
    expect(await payer()).toEqual({ payer_adult_id: null, split_invoicing: false });
    expect(await auditRows(t, admin.id, 'family.payer')).toHaveLength(2);
  });

  it('refuses an adult of another family and a forged box value, keeping the choice typed', async () => {
    const otherFamily = (await createFamily(db(), 'tarnos')).id;
    const stranger = await createAdult(db(), 'tarnos', otherFamily);
    const seen = expectRefused(await post(admin, `${B()}/payeur`, { payeur: stranger, separee: 'oui' }), {
      payeur: 'Choisissez qui paie les factures dans la liste',
    });
    expect(seen.checked('separee')).toEqual(['oui']);
    expectRefused(await post(admin, `${B()}/payeur`, { payeur: adultId, separee: 'yes' }), {
      separee: 'Cochez la case ou laissez-la vide',
    });
    expect((await db().query(`select payer_adult_id from families where id = $1`, [familyId])).rows[0].payer_adult_id).toBeNull();
  });
});
