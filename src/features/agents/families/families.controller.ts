import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { dayLabel, parisDay } from '../../../lib/calendar/index.js';
import { errorMap, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import * as files from '../../../repositories/family-files.repository.js';
import { listServices } from '../../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../../routes.js';
import { letterFileName, letterRecipient, renderCleEnfanceLetter } from './cle-enfance-letter.js';
import { familyValues, parseFamilyForm, parseSearch } from '../../family-files/family-files.schemas.js';
import * as service from '../../family-files/family-files.service.js';
import { idParam } from '../../../lib/params.js';
import { flash, loadFamilyFile } from './load-family.js';

export const PAGE_SIZE = 20;

/**
 * Family files in the back-office: list and search, the file with its adults and children,
 * the forms that change them, the Clé Enfance (regeneration and letter) and Création rapide.
 * Every route: agents of this town only (404 for anyone else), objects of this town only.
 */
export function familiesController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };

  // ---------------------------------------------------------------- list and search

  async function list(req: Request, res: Response) {
    const town = requireTown(req);
    const { q, page } = parseSearch(req.query);
    const { rows, total } = await files.searchFamilies(pool, town.id, q, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    res.render('agents/families/list', {
      title: q ? `Familles – recherche « ${q} »${page > 1 ? ` – page ${page}` : ''}` : `Familles${page > 1 ? ` – page ${page}` : ''}`,
      q,
      page,
      pages,
      total,
      rows,
      values: { q },
    });
  }

  // ---------------------------------------------------------------- create and edit the file

  function showNew(_req: Request, res: Response) {
    res.render('agents/families/family-form', { title: 'Créer un dossier famille', family: null, values: {} });
  }

  function renderFamilyForm(res: Response, family: files.FamilyFile | null, errors: FieldError[], values: Record<string, string>) {
    res.status(400).render('agents/families/family-form', {
      title: family ? `Modifier le dossier famille ${family.name.toUpperCase()}` : 'Créer un dossier famille',
      family,
      errors,
      fieldErrors: errorMap(errors),
      values,
    });
  }

  const refTakenError = (other: { name: string }): FieldError => ({
    field: 'reference',
    message: `Cette référence est déjà celle du dossier famille ${other.name.toUpperCase()} : saisissez-en une autre`,
  });

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const form = parseFamilyForm(req.body);
    if (!form.ok) return renderFamilyForm(res, null, form.errors, form.values);
    const result = await service.createFamily(ctx, town, auditActor(req), form.data);
    if (result.kind === 'ref_taken') return renderFamilyForm(res, null, [refTakenError(result.other)], familyValues(form.data));
    flash(req, 'Le dossier famille a été créé, avec sa clé Enfance.');
    res.redirect(303, urls.agentFamily(town, result.id));
  }

  async function show(req: Request, res: Response) {
    const { town, family } = await loadFamilyFile(pool, req);
    const [adults, children] = await Promise.all([
      files.listFileAdults(pool, town.id, family.id),
      files.listChildFiles(pool, town.id, family.id),
    ]);
    res.render('agents/families/file', { title: `Dossier famille ${family.name.toUpperCase()}`, family, adults, children });
  }

  async function showEdit(req: Request, res: Response) {
    const { family } = await loadFamilyFile(pool, req);
    res.render('agents/families/family-form', {
      title: `Modifier le dossier famille ${family.name.toUpperCase()}`,
      family,
      values: familyValues(family),
    });
  }

  async function update(req: Request, res: Response) {
    const { town, family } = await loadFamilyFile(pool, req);
    const form = parseFamilyForm(req.body);
    if (!form.ok) return renderFamilyForm(res, family, form.errors, form.values);
    const result = await service.updateFamily(ctx, town, auditActor(req), family.id, form.data);
    if (result.kind === 'ref_taken') return renderFamilyForm(res, family, [refTakenError(result.other)], familyValues(form.data));
    flash(req, 'Le dossier famille a été modifié.');
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  // ---------------------------------------------------------------- Clé Enfance

  async function showKey(req: Request, res: Response) {
    const { family } = await loadFamilyFile(pool, req);
    res.render('agents/families/key-confirm', { title: `Nouvelle clé Enfance – Famille ${family.name.toUpperCase()}`, family });
  }

  async function regenerateKey(req: Request, res: Response) {
    const { town, family } = await loadFamilyFile(pool, req);
    const key = await service.regenerateKey(ctx, town, auditActor(req), family.id);
    flash(req, `La nouvelle clé Enfance est ${key}. L'ancienne ne fonctionne plus : imprimez le courrier pour la famille.`);
    res.redirect(303, urls.agentFamily(town, family.id));
  }

  async function downloadLetter(req: Request, res: Response) {
    const town = requireTown(req);
    const familyId = idParam(req, 'familyId');
    const family = await service.fileForLetter(ctx, town, auditActor(req), familyId);
    const [adults, services] = await Promise.all([files.listFileAdults(pool, town.id, family.id), listServices(pool, town.id)]);
    const now = clock.now();
    const pdf = await renderCleEnfanceLetter({
      townName: town.name,
      townUrl: absoluteUrl(config.publicBaseUrl, urls.townHome(town)),
      familyName: family.name,
      recipients: adults.map(letterRecipient),
      addressLine: family.addressLine,
      postalCode: family.postalCode,
      city: family.city,
      cleEnfance: family.cleEnfance,
      date: dayLabel(parisDay(now), { weekday: false, year: true }),
      createdAt: now,
      services,
    });
    // A download, never rendered by the browser in the app's origin; the name is ours, not typed.
    const fileName = letterFileName(family.name);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    res.setHeader('Content-Length', String(pdf.length));
    res.end(pdf);
  }

  return { list, showNew, create, show, showEdit, update, showKey, regenerateKey, downloadLetter };
}
