import type { NextFunction, Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../deps.js';
import { DOCUMENT_ACCEPT, DOCUMENT_FORMATS_TEXT } from '../../lib/file-checks.js';
import { errorMap, formValues, type FieldError } from '../../lib/forms.js';
import { requireTown } from '../../middleware/town.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { listChildren } from '../../repositories/families.repository.js';
import { listSchools } from '../../repositories/school-sectors.repository.js';
import { urls } from '../../routes.js';
import { listForOwner } from '../documents/documents.service.js';
import { UPLOAD_CHOICE } from '../renewal/renewal-form.js';
import { rateLimitRequests } from '../requests/requests.service.js';
import { LEVELS } from './levels.js';
import { preEnrol, sectorOfFamily } from './school-enrolment.service.js';
import { readSchoolEnrolment, SCHOOL_PIECES } from './school-form.js';

/**
 * "Préinscription scolaire" (issue 16): the schools of the family's sector (from the family
 * file's address and the town's sector table), then one form — the child, the class, another
 * school with its reason, the pieces. Only the family's own children and stored documents.
 */
export function schoolEnrolmentController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };
  const parentOf = (req: Request) => req.account as Account & { familyId: string };

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; filesForgotten?: boolean },
  ) {
    const town = requireTown(req);
    const parent = parentOf(req);
    const [children, schools, sector, listed] = await Promise.all([
      listChildren(pool, town.id, parent.familyId),
      listSchools(pool, town.id),
      sectorOfFamily(ctx, town.id, parent.familyId),
      listForOwner(ctx, parent),
    ]);
    const errors = form.errors ?? [];
    res.status(status).render('school-enrolment/index', {
      title: 'Préinscription scolaire',
      children,
      schools,
      address: sector.address,
      sectorMaternelle: sector.schools.filter((s) => s.kind === 'maternelle'),
      sectorElementaire: sector.schools.filter((s) => s.kind === 'elementaire'),
      levels: LEVELS,
      pieces: SCHOOL_PIECES.map((p) => ({ ...p, documents: listed.documents.filter((d) => p.kinds.includes(d.kind)) })),
      uploadChoice: UPLOAD_CHOICE,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      filesForgotten: form.filesForgotten ?? false,
      accept: DOCUMENT_ACCEPT,
      formatsText: DOCUMENT_FORMATS_TEXT,
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200, {});

  /** A flood of requests is refused (429) before any file is read, like the other requests. */
  async function beforeUpload(req: Request, _res: Response, next: NextFunction) {
    await rateLimitRequests(ctx, req.account!.id, 'request');
    next();
  }

  async function send(req: Request, res: Response) {
    const town = requireTown(req);
    const parent = parentOf(req);
    const uploads = req.uploads!;
    const [children, schools, listed] = await Promise.all([
      listChildren(pool, town.id, parent.familyId),
      listSchools(pool, town.id),
      listForOwner(ctx, parent),
    ]);
    const form = readSchoolEnrolment(req.body, { children, schools, documents: listed.documents, uploads });
    const filesForgotten = uploads.received > 0;
    if (!form.ok) return render(req, res, form.status, { errors: form.errors, values: form.values, filesForgotten });
    const child = children.find((c) => c.id === form.data.childId)!;
    const result = await preEnrol(ctx, town, parent, child, form.data, uploads.files);
    if (!result.ok) return render(req, res, 400, { errors: result.errors, values: formValues(req.body), filesForgotten });
    req.session.flash = {
      kind: 'success',
      message: `La préinscription scolaire de ${child.firstNames} a été envoyée aux services. Un courriel vous indiquera leur décision.`,
    };
    res.redirect(303, urls.request(town, result.requestId));
  }

  return { show, beforeUpload, send };
}
