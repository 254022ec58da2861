import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { formatDate } from '../../../lib/calendar/index.js';
import { sendAttachment } from '../../../lib/downloads.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as repo from '../../../repositories/direct-debit.repository.js';
import { urls } from '../../../routes.js';
import { pendingDebits, prepareBatch, recordReject } from '../../direct-debit/collections.service.js';
import { offered } from '../../direct-debit/direct-debit.service.js';
import { maskIban, REJECT_REASONS } from '../../direct-debit/sepa-rules.js';
import { batchSchema, rejectSchema } from './direct-debit.schemas.js';

const REJECT_OPTIONS = [
  { value: '', label: 'Choisissez le motif' },
  ...Object.entries(REJECT_REASONS).map(([code, label]) => ({ value: code, label: `${code} – ${label}` })),
];

/**
 * The régie's collections (every agent): the batches exported, preparing the next one
 * (the pain.008 file), a batch's debits, its file, and recording a reject the bank
 * reported. Batches and items of another town: 404.
 */
export function batchesController(deps: AppDeps) {
  async function renderList(req: Request, res: Response, status: number, values: Record<string, string> = {}, errors: FieldError[] = []) {
    const town = requireTown(req);
    const [settings, batches, pending] = await Promise.all([
      repo.getSepaSettings(deps.pool, town.id),
      repo.listBatches(deps.pool, town.id),
      pendingDebits(deps, town.id),
    ]);
    res.status(status).render('agents/direct-debit/index', {
      title: 'Prélèvements automatiques',
      ready: offered(settings) && !!settings.creditorIban,
      settings,
      batches,
      pending,
      values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function list(req: Request, res: Response) {
    await renderList(req, res, 200);
  }

  async function prepare(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseForm(batchSchema, req.body);
    if (!form.ok) return renderList(req, res, 400, form.values, form.errors);
    const result = await prepareBatch(deps, town, auditActor(req), form.data.dateCollecte);
    if (!result.ok)
      return renderList(req, res, 400, { dateCollecte: String(req.body.dateCollecte ?? '') }, [
        { field: 'dateCollecte', message: result.message },
      ]);
    req.session.flash = { kind: 'success', message: 'Le fichier de prélèvements est prêt : téléchargez-le et transmettez-le à la banque.' };
    res.redirect(303, urls.agentDirectDebitBatch(town, result.batchId));
  }

  async function loadBatch(req: Request) {
    const town = requireTown(req);
    const batch = await repo.findBatch(deps.pool, town.id, idParam(req, 'batchId'));
    if (!batch) throw new NotFoundError('no batch');
    return batch;
  }

  async function show(req: Request, res: Response) {
    const batch = await loadBatch(req);
    const items = await repo.listBatchItems(deps.pool, requireTown(req).id, batch.id);
    res.render('agents/direct-debit/batch', {
      title: `Prélèvements du ${formatDate(batch.collectionDate)}`,
      batch,
      items: items.map((i) => ({
        ...i,
        maskedIban: maskIban(i.debtorIban),
        reason: i.rejectCode ? REJECT_REASONS[i.rejectCode as keyof typeof REJECT_REASONS] : null,
      })),
    });
  }

  async function file(req: Request, res: Response) {
    const town = requireTown(req);
    const batch = await repo.findBatchXml(deps.pool, town.id, idParam(req, 'batchId'));
    if (!batch) throw new NotFoundError('no batch');
    // The file as exported, byte for byte: the bank may be sent it again.
    sendAttachment(res, { fileName: `${batch.messageId}.xml`, contentType: 'application/xml', content: Buffer.from(batch.xml, 'utf8') });
  }

  async function loadItem(req: Request) {
    const town = requireTown(req);
    const batch = await loadBatch(req);
    const invoiceId = idParam(req, 'invoiceId');
    const item = (await repo.listBatchItems(deps.pool, town.id, batch.id)).find((i) => i.invoiceId === invoiceId);
    if (!item) throw new NotFoundError('no item');
    return { batch, item };
  }

  async function renderReject(req: Request, res: Response, status: number, values: Record<string, string> = {}, errors: FieldError[] = []) {
    const { batch, item } = await loadItem(req);
    res.status(status).render('agents/direct-debit/reject', {
      title: `Rejet du prélèvement de la facture N° ${item.invoiceNumber}`,
      batch,
      item: { ...item, maskedIban: maskIban(item.debtorIban) },
      options: REJECT_OPTIONS,
      values,
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function showReject(req: Request, res: Response) {
    await renderReject(req, res, 200);
  }

  async function reject(req: Request, res: Response) {
    const town = requireTown(req);
    const { batch, item } = await loadItem(req);
    const form = parseForm(rejectSchema, req.body);
    if (!form.ok) return renderReject(req, res, 400, form.values, form.errors);
    const result = await recordReject(deps, town, auditActor(req), batch.id, item.invoiceId, form.data.motif);
    if (!result.ok) return renderReject(req, res, 400, { motif: form.data.motif }, [{ field: 'motif', message: result.message }]);
    req.session.flash = {
      kind: 'success',
      message:
        `Le rejet est enregistré : la facture N° ${item.invoiceNumber} est de nouveau à payer, et la famille est prévenue par courriel.` +
        (result.mandateEnded ? ' Ce motif met fin au mandat de la famille.' : ''),
    };
    res.redirect(303, urls.agentDirectDebitBatch(town, batch.id));
  }

  return { list, prepare, show, file, showReject, reject };
}
