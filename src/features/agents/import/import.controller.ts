import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import type { FieldError } from '../../../lib/forms.js';
import { takeFiles } from '../../../middleware/upload.js';
import { UPLOAD_ROUTES } from '../../../middleware/upload-routes.js';
import { requireTown } from '../../../middleware/town.js';
import * as jobs from '../../../repositories/import-jobs.repository.js';
import { urls } from '../../../routes.js';
import { idParam } from '../../../lib/params.js';
import { checkFile, decodeCsvFile, knownColumns, MAX_ADULTS, MAX_CHILDREN, MAX_ROWS } from '../../imports/import-format.js';
import { checkRepriseText, COLUMNS, IMPORT_KINDS, KIND_LABELS, KIND_SAMPLES, type ImportKind } from '../../imports/reprise-format.js';
import { createImportJob } from '../../imports/import.service.js';
import { progressOf, templateCsv, uploadedName } from './import-pages.js';

/** Rejected rows and remarks shown on the result page (the counts give the rest). */
const ISSUES_SHOWN = 500;
const FIELD = UPLOAD_ROUTES.agentImport.field;

/**
 * The import of a file of known families (`/:town/agents/import`): the upload form, the
 * template, the progress and result page of each import. The rows are processed by the
 * import's job (queue "import", src/jobs/import-worker.ts).
 */
export function importController(deps: AppDeps) {
  const { pool, clock } = deps;

  async function renderForm(res: Response, town: { id: string }, status = 200, errors?: FieldError[], kind: ImportKind = 'familles') {
    const recent = await jobs.listJobs(pool, town.id);
    res.status(status).render('agents/import/index', {
      title: 'Importer des familles',
      recent,
      kind,
      kinds: IMPORT_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k], sample: KIND_SAMPLES[k] })),
      kindLabels: KIND_LABELS,
      repriseColumns: COLUMNS,
      columns: knownColumns(),
      maxAdults: MAX_ADULTS,
      maxChildren: MAX_CHILDREN,
      maxRows: MAX_ROWS,
      ...(errors ? { errors, fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])) } : {}),
    });
  }

  async function showForm(req: Request, res: Response) {
    await renderForm(res, requireTown(req));
  }

  function downloadTemplate(_req: Request, res: Response) {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="modele-familles.csv"');
    res.send(templateCsv());
  }

  /** The body was parsed and its CSRF token checked by the global middleware (parseMultipart, csrfProtection). */
  async function upload(req: Request, res: Response) {
    const town = requireTown(req);
    // Which export of the old portal it is (migration 0039); the families' file when the form does not say.
    const rawKind = typeof req.body?.type === 'string' ? req.body.type : 'familles';
    if (!IMPORT_KINDS.includes(rawKind as ImportKind)) {
      return renderForm(res, town, 400, [{ field: 'type', message: 'Choisissez le type de fichier à importer dans la liste' }]);
    }
    const kind = rawKind as ImportKind;
    const received = takeFiles(req, UPLOAD_ROUTES.agentImport);
    const file = received.files[0];
    if (received.problem) {
      const tooLarge = received.problem.kind === 'too_large';
      return renderForm(res, town, tooLarge ? 413 : 400, [
        {
          field: FIELD,
          message: tooLarge
            ? 'Le fichier dépasse 10 Mo : découpez-le en plusieurs fichiers'
            : "Le fichier n'a pas pu être reçu : choisissez un seul fichier CSV et recommencez",
        },
      ]);
    }
    if (!file || file.size === 0) {
      return renderForm(res, town, 400, [
        { field: FIELD, message: file ? 'Le fichier est vide' : 'Choisissez le fichier CSV des familles à importer' },
      ]);
    }
    let checked: { ok: true; dataRows: number } | { ok: false; message: string };
    if (kind === 'familles') checked = checkFile(file.buffer);
    else {
      const decoded = decodeCsvFile(file.buffer);
      checked = decoded.ok ? checkRepriseText(kind, decoded.text, MAX_ROWS) : decoded;
    }
    if (!checked.ok) return renderForm(res, town, 400, [{ field: FIELD, message: checked.message }], kind);
    const name = uploadedName(file.originalname);
    const id = await createImportJob({ pool, clock }, town, auditActor(req), {
      name,
      content: file.buffer,
      dataRows: checked.dataRows,
      kind,
    });
    res.redirect(303, urls.agentImportJob(town, id));
  }

  async function loadJob(req: Request) {
    const town = requireTown(req);
    const job = await jobs.findJob(pool, town.id, idParam(req, 'jobId'));
    if (!job) throw new NotFoundError('import job');
    return job;
  }

  async function showJob(req: Request, res: Response) {
    const job = await loadJob(req);
    const progress = progressOf(job);
    const [rejected, warnings] = progress.finished
      ? await Promise.all([jobs.listIssues(pool, job.id, 'rejected', ISSUES_SHOWN), jobs.listIssues(pool, job.id, 'warning', ISSUES_SHOWN)])
      : [
          { rows: [], total: 0 },
          { rows: [], total: 0 },
        ];
    res.render('agents/import/job', {
      title: progress.finished ? `Résultat de l'import – ${job.fileName}` : `Import en cours – ${job.fileName}`,
      job,
      kindLabel: KIND_LABELS[job.kind],
      progress,
      rejected,
      warnings,
      issuesShown: ISSUES_SHOWN,
    });
  }

  /** For the progress script: the same figures as the page, as JSON. */
  async function jobStatus(req: Request, res: Response) {
    res.json(progressOf(await loadJob(req)));
  }

  return { showForm, downloadTemplate, upload, showJob, jobStatus };
}
