import { monthLabel } from '../../../lib/calendar/index.js';
import { formatEuros } from '../../../lib/format.js';
import type { InvoicingRun } from '../../../repositories/billing-invoices.repository.js';

/** What the run's progress page and its script say, in words and figures. */
export function runProgress(run: InvoicingRun) {
  const finished = run.status === 'done' || run.status === 'failed';
  const percent = run.totalFamilies > 0 ? Math.floor((run.processedFamilies / run.totalFamilies) * 100) : finished ? 100 : 0;
  let message: string;
  if (run.status === 'pending') message = 'La facturation attend son tour : elle commencera dans quelques instants.';
  else if (run.status === 'running')
    message = `Familles traitées : ${n(run.processedFamilies)} sur ${n(run.totalFamilies)} (${percent}\u00a0%).`;
  else if (run.status === 'done') {
    message = `La facturation de ${monthLabel(run.month.slice(0, 7))} est terminée : ${invoicesWord(run.invoicesCreated)}, ${formatEuros(run.amountCents)}.`;
  } else message = 'La facturation n’a pas pu être menée à bien.';
  return {
    status: run.status,
    processedFamilies: run.processedFamilies,
    totalFamilies: run.totalFamilies,
    invoicesCreated: run.invoicesCreated,
    familiesSkipped: run.familiesSkipped,
    amountCents: run.amountCents,
    finished,
    message,
  };
}

function invoicesWord(count: number): string {
  return count === 0 ? 'aucune facture émise' : count === 1 ? '1 facture émise' : `${n(count)} factures émises`;
}

const n = (v: number) => v.toLocaleString('fr-FR');

export const RUN_STATUS_LABELS: Record<InvoicingRun['status'], string> = {
  pending: 'En attente',
  running: 'En cours',
  done: 'Terminée',
  failed: 'Échec',
};
