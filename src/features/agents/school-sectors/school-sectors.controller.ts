import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { count } from '../../../lib/french.js';
import { errorMap, formValues, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { takeFiles } from '../../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { requireTown } from '../../../middleware/town.js';
import * as repo from '../../../repositories/school-sectors.repository.js';
import { urls } from '../../../routes.js';
import { addSchool, addSector, importSectors, removeSector } from '../../school-enrolment/school-sectors.service.js';
import { decodeSectorFile, readSectorFile, SECTOR_COLUMNS } from '../../school-enrolment/sector-csv.js';
import { streetKey } from '../../school-enrolment/street.js';
import { KIND_LABELS } from '../../school-enrolment/levels.js';
import { readSchool, readSector } from './school-sectors.schemas.js';

const PAGE_SIZE = 100;
/** A file with thousands of wrong lines: the first ones say what to fix. */
const SHOWN_LINE_ERRORS = 50;

/**
 * "Secteurs scolaires": the town's schools and the street-to-school table, a page for every
 * agent, its forms for admins — a school, a line, a line removed, the CSV import that replaces
 * the table (all or nothing, the wrong lines listed).
 */
export function schoolSectorsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string>; lineErrors?: string[] } = {},
  ) {
    const town = requireTown(req);
    const query = formValues(req.query);
    const q = (query.q ?? '').slice(0, 200);
    const pageNumber = Math.min(Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1), 1000);
    const key = streetKey(q);
    const [requests, schools, total, lines] = await Promise.all([
      repo.listOpenSchoolRequests(pool, town.id),
      repo.listSchools(pool, town.id),
      repo.countSectors(pool, town.id),
      repo.listSectors(pool, town.id, { key, limit: PAGE_SIZE + 1, offset: (pageNumber - 1) * PAGE_SIZE }),
    ]);
    const errors = form.errors ?? [];
    res.status(status).render('agents/school-sectors/index', {
      title: 'Secteurs scolaires',
      requests,
      schools,
      kindLabels: KIND_LABELS,
      total,
      totalWords: count(total, 'voie', 'voies'),
      q,
      pageNumber,
      lines: lines.slice(0, PAGE_SIZE),
      hasNext: lines.length > PAGE_SIZE,
      columns: SECTOR_COLUMNS.join(';'),
      lineErrors: (form.lineErrors ?? []).slice(0, SHOWN_LINE_ERRORS),
      moreLineErrors: Math.max(0, (form.lineErrors ?? []).length - SHOWN_LINE_ERRORS),
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? {},
      isAdmin: req.agent?.role === 'admin',
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200);

  async function createSchool(req: Request, res: Response) {
    const town = requireTown(req);
    const form = readSchool(req.body);
    if (!form.ok) return render(req, res, 400, form);
    const id = await addSchool(ctx, town, auditActor(req), form.data);
    if (!id) {
      return render(req, res, 400, {
        errors: [{ field: 'ecoleNom', message: `La commune a déjà une école nommée « ${form.data.name} »` }],
        values: formValues(req.body),
      });
    }
    req.session.flash = { kind: 'success', message: `L'école ${form.data.name} a été ajoutée.` };
    res.redirect(303, urls.agentSchoolSectors(town));
  }

  async function createSector(req: Request, res: Response) {
    const town = requireTown(req);
    const form = readSector(req.body, await repo.listSchools(pool, town.id));
    if (!form.ok) return render(req, res, 400, form);
    await addSector(ctx, town, auditActor(req), form.data);
    req.session.flash = { kind: 'success', message: `La voie ${form.data.streetLabel} a été ajoutée à la carte scolaire.` };
    res.redirect(303, urls.agentSchoolSectors(town, { q: form.data.streetLabel }));
  }

  async function deleteSector(req: Request, res: Response) {
    const town = requireTown(req);
    if (!(await removeSector(ctx, town, auditActor(req), idParam(req, 'sectorId')))) throw new NotFoundError('sector of another town');
    req.session.flash = { kind: 'success', message: 'La ligne a été supprimée de la carte scolaire.' };
    res.redirect(303, urls.agentSchoolSectors(town));
  }

  /** The body was parsed and its CSRF token checked by the global middleware (parseMultipart, csrfProtection). */
  async function importFile(req: Request, res: Response) {
    const town = requireTown(req);
    const received = takeFiles(req, UPLOAD_ROUTES.agentSectorImport);
    const file = received.files[0];
    if (received.problem) {
      const tooLarge = received.problem.kind === 'too_large';
      return render(req, res, tooLarge ? 413 : 400, {
        errors: [
          {
            field: 'fichier',
            message: tooLarge
              ? 'Le fichier dépasse 2 Mo : une carte scolaire tient dans bien moins'
              : 'Choisissez un seul fichier CSV et recommencez',
          },
        ],
      });
    }
    if (!file) return render(req, res, 400, { errors: [{ field: 'fichier', message: 'Choisissez le fichier CSV de la carte scolaire' }] });
    const decoded = decodeSectorFile(file.buffer);
    if (!decoded.ok) return render(req, res, 400, { errors: [{ field: 'fichier', message: decoded.message }] });
    const read = readSectorFile(decoded.text, await repo.listSchools(pool, town.id));
    if (!read.ok) {
      const lines = count(read.errors.length, 'erreur', 'erreurs');
      return render(req, res, 400, {
        errors: [
          {
            field: 'fichier',
            message: `Le fichier contient ${lines} : rien n'a été importé. Corrigez les lignes ci-dessous puis recommencez`,
          },
        ],
        lineErrors: read.errors,
      });
    }
    const done = await importSectors(ctx, town, auditActor(req), read.rows, file.originalname.slice(0, 200));
    req.session.flash = {
      kind: 'success',
      message: `La carte scolaire a été importée : ${count(done.imported, 'voie', 'voies')} (elle en comptait ${done.replaced}).`,
    };
    res.redirect(303, urls.agentSchoolSectors(town));
  }

  return { show, createSchool, createSector, deleteSector, importFile };
}
