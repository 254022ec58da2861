import { afterAll, beforeAll, expect, it } from 'vitest';
import { signMandate } from '../../../src/features/direct-debit/direct-debit.service.js';
import { saveSepaSettings } from '../../../src/repositories/direct-debit.repository.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { town } from '../../helpers/fixtures.js';
import { page } from '../../helpers/html.js';
import { serviceContext } from '../billing/parent-billing.js';
import { confirmChoice, familyToPay } from './online-payment.js';

/**
 * Online payment and direct debit side by side (issue 15): an invoice a family's mandate will
 * debit is not offered for online payment, and a form that names it anyway is refused — else
 * the family would pay it twice, once by card and once at the bank.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: '2026-12-02T09:00:00Z' });
  const bayeux = await town(t.db.pool, 'bayeux');
  await saveSepaSettings(
    t.db.pool,
    bayeux.id,
    {
      enabled: true,
      creditorId: 'FR72ZZZ123456',
      creditorName: 'Régie Enfance de Bayeux',
      creditorIban: 'DE89370400440532013000',
      creditorBic: 'COBADEFF',
      prenotificationDays: 14,
    },
    new Date(),
  );
});
afterAll(async () => t.close());

it('leaves the invoices a mandate will debit out of "Payer en ligne" (no button when nothing else is owed), and refuses them when a form names them', async () => {
  const f = await familyToPay(t, 'MANDAT', ['2026-11']);
  const bayeux = await town(t.db.pool, 'bayeux');
  await signMandate(serviceContext(t), bayeux, f.parent, {
    titulaire: 'Marie Mandat',
    iban: 'FR7630006000011234567890189',
    bic: null,
    adresse: '1 rue Haute, 14400 Bayeux',
    lieu: 'Bayeux',
    consentement: 'oui',
  });
  // Mes factures does not send the family to a choice with nothing to choose.
  const list = page(await f.agent.get('/bayeux/mon-espace/factures'));
  expect(list.text('main')).toContain('Sera prélevée le');
  expect(list.links('main').map((l) => l.text)).not.toContain('Payer en ligne');

  const choose = page(await f.agent.get('/bayeux/mon-espace/factures/payer'));
  expect(choose.text('main .lead')).toBe(
    "Vos factures sont réglées par prélèvement automatique : elles seront prélevées à leur échéance, vous n'avez rien à payer en ligne.",
  );
  expect(choose.has('main form input[name=factures]')).toBe(false);

  const forced = await confirmChoice(f.agent, 'bayeux', [f.invoices[0]!.id]);
  expect(forced.status).toBe(400);
  expect(page(forced).text('main')).toContain(
    `La facture N° ${f.invoices[0]!.number} sera prélevée le 16/12/2026 (prélèvement automatique) : elle ne se paie pas en ligne.`,
  );
});
