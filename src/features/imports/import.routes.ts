import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { auditActor } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import { clip, type FieldError } from '../../lib/forms.js';
import { requireAgent } from '../../middleware/agent-auth.js';
import { takeFiles } from '../../middleware/upload.js';
import { requireTown } from '../../middleware/town.js';
import * as jobs from '../../repositories/import-jobs.repository.js';
import type { ImportJob } from '../../repositories/import-jobs.repository.js';
import { urls } from '../../routes.js';
import { idParam } from '../family-files/family-files.routes.js';
import { checkFile, knownColumns, MAX_ADULTS, MAX_CHILDREN, MAX_ROWS } from './import-format.js';
import { createImportJob } from './import.service.js';

/** A town's file of 20,000 families is well under this; a bigger upload is refused before it is read. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** Rejected rows and remarks shown on the result page (the counts give the rest). */
const ISSUES_SHOWN = 500;
const FIELD = 'fichier';

/** What the progress page and its script show, in words and figures. */
export function progressOf(job: ImportJob) {
  const rowsPercent = job.totalRows > 0 ? Math.floor((job.processedRows / job.totalRows) * 100) : 100;
  const accountsDone = job.accountsCreated + job.accountsSkipped;
  let message: string;
  if (job.status === 'pending') message = "L'import attend son tour : il commencera dans quelques instants.";
  else if (job.status === 'done') message = "L'import est terminé.";
  else if (job.status === 'failed') message = "L'import n'a pas pu être mené à bien.";
  else if (job.phase === 'rows') message = `Lignes traitées : ${job.processedRows} sur ${job.totalRows} (${rowsPercent} %).`;
  else message = `Toutes les lignes sont traitées. Comptes créés : ${accountsDone} sur ${job.accountsTotal}.`;
  return {
    status: job.status,
    phase: job.phase,
    processedRows: job.processedRows,
    totalRows: job.totalRows,
    accountsDone,
    accountsTotal: job.accountsTotal,
    finished: job.status === 'done' || job.status === 'failed',
    message,
  };
}

/** The sample row of the template: what a file of the town looks like. */
const TEMPLATE_EXAMPLE: Record<string, string> = {
  reference_famille: 'F-000123',
  nom_famille: 'Martin',
  adresse: '12 rue des Écoles',
  code_postal: '40220',
  ville: 'Tarnos',
  adulte1_civilite: 'Mme',
  adulte1_nom: 'Martin',
  adulte1_prenom: 'Sophie',
  adulte1_courriel: 'sophie.martin@example.fr',
  adulte1_telephone: '06 12 34 56 78',
  adulte2_civilite: 'M',
  adulte2_nom: 'Martin',
  adulte2_prenom: 'Karim',
  enfant1_prenom: 'Léa',
  enfant1_date_naissance: '14/03/2017',
  enfant1_ecole: 'École Jean Jaurès',
  enfant1_classe: 'CE2',
};

/**
 * The import of a file of known families (`/:town/agents/import`): the upload form, the
 * template, the progress and result page of each import. The rows are processed by the
 * import's job (queue "import", src/jobs/import-worker.ts).
 */
export function importRouter(deps: AppDeps): Router {
  const { pool, clock } = deps;
  const router = Router();

  async function renderForm(res: Response, town: { id: string }, status = 200, errors?: FieldError[]) {
    const recent = await jobs.listJobs(pool, town.id);
    res.status(status).render('agents/import/index', {
      title: 'Importer des familles',
      recent,
      columns: knownColumns(),
      maxAdults: MAX_ADULTS,
      maxChildren: MAX_CHILDREN,
      maxRows: MAX_ROWS,
      ...(errors ? { errors, fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])) } : {}),
    });
  }

  router.get('/agents/import', requireAgent, async (req, res) => {
    await renderForm(res, requireTown(req));
  });

  router.get('/agents/import/modele-familles.csv', requireAgent, (_req, res) => {
    const columns = knownColumns();
    const cell = (v: string) => (/[";\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    // A byte-order mark, so that a spreadsheet opening the file reads it as UTF-8.
    const body = `\uFEFF${columns.join(';')}\r\n${columns.map((c) => cell(TEMPLATE_EXAMPLE[c] ?? '')).join(';')}\r\n`;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="modele-familles.csv"');
    res.send(body);
  });

  // The body was parsed and its CSRF token checked by the global middleware (parseMultipart, csrfProtection).
  router.post('/agents/import', requireAgent, async (req: Request, res: Response) => {
    const town = requireTown(req);
    const received = takeFiles(req, FIELD, { maxFiles: 1, maxBytes: MAX_IMPORT_BYTES });
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
    const checked = checkFile(file.buffer);
    if (!checked.ok) return renderForm(res, town, 400, [{ field: FIELD, message: checked.message }]);
    // The name is shown back to agents only: control characters and length are trimmed.
    // eslint-disable-next-line no-control-regex
    const name = clip(file.originalname.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ''), 200) || 'fichier.csv';
    const id = await createImportJob({ pool, clock }, town, auditActor(req), {
      name,
      content: file.buffer,
      dataRows: checked.dataRows,
    });
    res.redirect(303, urls.agentImportJob(town, id));
  });

  async function loadJob(req: Request) {
    const town = requireTown(req);
    const job = await jobs.findJob(pool, town.id, idParam(req, 'jobId'));
    if (!job) throw new NotFoundError('import job');
    return job;
  }

  router.get('/agents/import/:jobId', requireAgent, async (req, res) => {
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
      progress,
      rejected,
      warnings,
      issuesShown: ISSUES_SHOWN,
    });
  });

  // For the progress script: the same figures as the page, as JSON.
  router.get('/agents/import/:jobId/etat', requireAgent, async (req, res) => {
    res.json(progressOf(await loadJob(req)));
  });

  return router;
}
