import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { auditRows, post, signedIn, type SignedInAgent } from '../settings/helpers.js';

/**
 * The town's SEPA settings (admins): the valid path (saved, audited, shown), each kind of
 * invalid input (400, French message, typed values kept, nothing saved), CSRF, and who may.
 */
let t: TestApp;
let admin: SignedInAgent;
let tarnos: string;
const URL = '/tarnos/agents/facturation/prelevements/parametres';
const GOOD = {
  active: 'oui',
  ics: 'fr72 zzz 123456',
  creancier: 'Régie Enfance de Tarnos',
  iban: 'FR76 3000 6000 0112 3456 7890 189',
  bic: 'agrifrpp',
  preavis: '10',
};

beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  tarnos = (await town(t.db.pool, 'tarnos')).id;
  admin = await signedIn(t, 'tarnos', 'admin');
});
afterAll(async () => t.close());

describe('SEPA settings', () => {
  it('shows the defaults: not offered, 14 days of notice', async () => {
    const p = page(await admin.agent.get(URL));
    expect(p.heading()).toBe('Paramètres du prélèvement automatique');
    expect(p.checked('active')).toEqual(['non']);
    expect(p.fieldValue('preavis')).toBe('14');
  });

  it('saves valid settings in their normal form, audited', async () => {
    const res = await post(admin, URL, GOOD);
    expect([res.status, res.headers.location]).toEqual([303, URL]);
    expect(await getSepaSettings(t.db.pool, tarnos)).toEqual({
      enabled: true,
      creditorId: 'FR72ZZZ123456',
      creditorName: 'Régie Enfance de Tarnos',
      creditorIban: 'FR7630006000011234567890189',
      creditorBic: 'AGRIFRPP',
      prenotificationDays: 10,
    });
    const p = page(await admin.agent.get(URL));
    expect(p.fieldValue('ics')).toBe('FR72ZZZ123456');
    expect((await auditRows(t, admin.id, 'direct_debit.settings')).map((r) => r.details)).toEqual([
      expect.objectContaining({ enabled: true, creditorId: 'FR72ZZZ123456', creditorIban: '…0189' }),
    ]);
  });

  it('refuses each kind of bad value with its French message, keeping what was typed', async () => {
    const before = await getSepaSettings(t.db.pool, tarnos);
    const cases: [Record<string, string>, string, string][] = [
      [
        { ics: 'FR73ZZZ123456' },
        'ics',
        'L’ICS n’est pas valide : ses chiffres de contrôle (3e et 4e caractères) ne correspondent pas. Recopiez-le depuis le courrier de la banque',
      ],
      [
        { ics: 'FR72ZZZ1234' },
        'ics',
        'L’ICS compte 13 caractères pour la France : FR, 2 chiffres de contrôle, 3 caractères puis 6 chiffres, par exemple FR72ZZZ123456',
      ],
      [{ ics: '' }, 'ics', 'Saisissez l’identifiant créancier SEPA (ICS) de la commune'],
      [{ creancier: '' }, 'creancier', 'Saisissez le nom du créancier, tel que les familles le verront sur leur relevé'],
      [
        { iban: 'FR7630006000011234567890188' },
        'iban',
        'L’IBAN n’est pas valide : sa clé de contrôle ne correspond pas. Recopiez-le depuis votre relevé d’identité bancaire (RIB)',
      ],
      [{ bic: 'AGRI' }, 'bic', 'Le BIC compte 8 ou 11 lettres et chiffres, par exemple AGRIFRPP ou AGRIFRPPXXX'],
      [{ preavis: '0' }, 'preavis', 'Le préavis va de 1 à 60 jours, par exemple 14'],
      [{ preavis: 'quinze' }, 'preavis', 'Le préavis va de 1 à 60 jours, par exemple 14'],
      [{ active: 'peut-être' }, 'active', 'Choisissez si la commune propose le prélèvement automatique'],
    ];
    for (const [change, field, message] of cases) {
      const res = await post(admin, URL, { ...GOOD, ...change, creancier: change.creancier ?? 'Régie modifiée' });
      expect(res.status, field).toBe(400);
      const p = page(res);
      expect(p.errorSummary(), field).toEqual([{ field, message }]);
      expect(p.fieldError(field)).toBe(message);
      if (field !== 'creancier') expect(p.fieldValue('creancier')).toBe('Régie modifiée');
    }
    expect(await getSepaSettings(t.db.pool, tarnos)).toEqual(before);
  });

  it('refuses a post without its CSRF token, and a plain agent gets a 404', async () => {
    const res = await admin.agent
      .post(URL)
      .type('form')
      .send({ ...GOOD, creancier: 'Sans jeton' });
    expect(res.status).toBe(403);
    expect((await getSepaSettings(t.db.pool, tarnos)).creditorName).not.toBe('Sans jeton');
    const agent = await signedIn(t, 'tarnos', 'agent');
    expect((await agent.agent.get(URL)).status).toBe(404);
    expect((await post(agent, URL, GOOD)).status).toBe(404);
  });
});
