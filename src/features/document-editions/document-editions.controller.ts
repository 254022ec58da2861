import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { parisDay, shortDate } from '../../lib/calendar/index.js';
import { sendAttachment } from '../../lib/downloads.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { personName } from '../../lib/french.js';
import { param } from '../../lib/params.js';
import { pdfFileName } from '../../lib/pdf.js';
import { requireTown } from '../../middleware/town.js';
import { findFamily } from '../../repositories/families.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import { viewerOf } from '../invoices/invoices.service.js';
import { renderPaymentAttestationPdf, renderTaxAttestationPdf, type AttestationHeader } from './attestation-pdf.js';
import { attestationYears, paymentAttestationSchema, taxAttestationSchema } from './document-editions.schemas.js';
import * as service from './document-editions.service.js';
import { printedCode, readCode } from './verification-code.js';

/**
 * "Édition de documents" (issue 14): the attestation fiscale of a past year and the
 * attestation of payment of a period, each a PDF with its verification code; and the
 * public page "Vérifier un document", which shows only a document's kind, dates and amounts.
 */
export function documentEditionsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = deps;
  const today = () => parisDay(clock.now());

  function renderEditions(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; which?: 'fiscale' | 'paiement' },
  ) {
    const errors = form.errors ?? [];
    const years = attestationYears(today());
    res.status(status).render('document-editions/index', {
      title: 'Édition de documents',
      familyOpen: familyOpen(req.account!),
      years,
      errors,
      fieldErrors: errorMap(errors),
      values: { annee: String(years[0]), ...(form.values ?? {}) },
    });
  }

  function showEditions(req: Request, res: Response) {
    renderEditions(req, res, 200, {});
  }

  async function header(req: Request, code: string, issuedAt: Date): Promise<AttestationHeader> {
    const town = requireTown(req);
    const account = req.account!;
    const family = await findFamily(pool, town.id, account.familyId!);
    return {
      townName: town.name,
      holder: `${account.civility === 'M' ? 'M.' : 'Mme'} ${personName(account.firstNames, account.lastName)}`,
      familyName: (family?.name ?? account.lastName).toLocaleUpperCase('fr-FR'),
      code,
      verificationUrl: absoluteUrl(config.publicBaseUrl, urls.documentVerification(town, printedCode(code))),
      issuedAt,
    };
  }

  async function taxAttestation(req: Request, res: Response) {
    const form = parseForm(taxAttestationSchema(today()), req.body);
    if (!form.ok) return renderEditions(req, res, 400, { errors: form.errors, values: form.values });
    const issued = await service.issueTaxAttestation(ctx, requireTown(req), viewerOf(req.account!), form.data.annee);
    const content = await renderTaxAttestationPdf(await header(req, issued.code, issued.issuedAt), issued.data);
    sendAttachment(res, { fileName: pdfFileName('attestation-fiscale', String(form.data.annee)), contentType: 'application/pdf', content });
  }

  async function paymentAttestation(req: Request, res: Response) {
    const form = parseForm(paymentAttestationSchema(today()), req.body);
    if (!form.ok) return renderEditions(req, res, 400, { errors: form.errors, values: form.values });
    const issued = await service.issuePaymentAttestation(ctx, requireTown(req), viewerOf(req.account!), form.data);
    const content = await renderPaymentAttestationPdf(await header(req, issued.code, issued.issuedAt), issued.data);
    const name = pdfFileName('attestation-de-paiement', shortDate(form.data.from), shortDate(form.data.to));
    sendAttachment(res, { fileName: name, contentType: 'application/pdf', content });
  }

  // ---------------------------------------------------------------- the public page

  function renderVerify(res: Response, status: number, form: { errors?: FieldError[]; values?: Record<string, string> }) {
    const errors = form.errors ?? [];
    res.status(status).render('document-editions/verify', {
      title: 'Vérifier un document',
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
    });
  }

  /** The form; submitted (GET, it changes nothing), it goes to the code's page. */
  async function showVerify(req: Request, res: Response) {
    const typed = req.query.code;
    if (typed === undefined) return renderVerify(res, 200, {});
    const value = typeof typed === 'string' ? typed.slice(0, 40) : '';
    const code = readCode(value);
    if (!code) {
      // Counted only when this page answers: a well-formed code is counted once, by the page it redirects to.
      await service.countVerification(ctx, req.ip ?? 'unknown');
      const message =
        value.trim() === ''
          ? 'Saisissez le code de vérification imprimé sur le document'
          : 'Le code de vérification a 12 caractères, comme 7KQ2-M9XA-3DPF';
      return renderVerify(res, 400, { errors: [{ field: 'code', message }], values: { code: value } });
    }
    res.redirect(303, urls.documentVerification(requireTown(req), printedCode(code)));
  }

  async function showDocument(req: Request, res: Response) {
    const town = requireTown(req);
    await service.countVerification(ctx, req.ip ?? 'unknown');
    const document = await service.findDocument(ctx, town, param(req, 'code'));
    if (!document) {
      return res.status(404).render('document-editions/unknown', { title: 'Document introuvable', code: param(req, 'code').slice(0, 40) });
    }
    res.render('document-editions/verified', { title: 'Document authentique', document, printedCode: printedCode(document.code) });
  }

  /** Only a validated account of a family produces its documents: anyone else, 404 (POST). */
  function familyOnly(req: Request, _res: Response, next: (err?: unknown) => void) {
    if (!req.account || !familyOpen(req.account)) throw new NotFoundError();
    next();
  }

  return { showEditions, taxAttestation, paymentAttestation, showVerify, showDocument, familyOnly };
}
