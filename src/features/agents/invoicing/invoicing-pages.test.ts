import { describe, expect, it } from 'vitest';
import type { InvoicingRun } from '../../../repositories/billing-invoices.repository.js';
import { runProgress } from './invoicing-pages.js';

const run = (over: Partial<InvoicingRun>): InvoicingRun => ({
  id: 'r',
  townId: 't',
  regieId: 'g',
  month: '2026-11-01',
  status: 'pending',
  totalFamilies: 0,
  processedFamilies: 0,
  invoicesCreated: 0,
  familiesSkipped: 0,
  amountCents: 0,
  failure: null,
  actorLabel: 'Agent',
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
  ...over,
});

describe('runProgress', () => {
  it('says where the run stands, in French, and whether the page must keep following it', () => {
    expect(runProgress(run({}))).toMatchObject({
      finished: false,
      message: 'La facturation attend son tour : elle commencera dans quelques instants.',
    });
    expect(runProgress(run({ status: 'running', totalFamilies: 3000, processedFamilies: 1000 }))).toMatchObject({
      finished: false,
      message: 'Familles traitées : 1\u202f000 sur 3\u202f000 (33\u00a0%).',
    });
    expect(runProgress(run({ status: 'done', invoicesCreated: 1, amountCents: 1520 }))).toMatchObject({
      finished: true,
      message: 'La facturation de novembre 2026 est terminée : 1 facture émise, 15,20\u00a0€.',
    });
    expect(runProgress(run({ status: 'done', invoicesCreated: 0 })).message).toBe(
      'La facturation de novembre 2026 est terminée : aucune facture émise, 0,00\u00a0€.',
    );
    expect(runProgress(run({ status: 'failed', failure: 'Pas de tarif' }))).toMatchObject({
      finished: true,
      message: 'La facturation n’a pas pu être menée à bien.',
    });
  });
});
