import type { Request, Response } from 'express';
import type { AppDeps, ServiceContext } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, formValues, type FieldError } from '../../../lib/forms.js';
import { idParam } from '../../../lib/params.js';
import { requireTown } from '../../../middleware/town.js';
import * as repo from '../../../repositories/school-sectors.repository.js';
import { urls } from '../../../routes.js';
import { STATUS_LABELS, canTransition } from '../../requests/request-state.js';
import { requestDetails } from '../../requests/request-types.js';
import type { SchoolEnrolmentPayload } from '../../requests/request-types.js';
import { agentTransition } from '../../requests/requests.service.js';
import { KIND_LABELS, LEVELS, levelOf } from '../../school-enrolment/levels.js';

/**
 * A school pre-enrolment's decision (agents): accept with the school and the class — the
 * school asked for and the level are preselected —, which writes them into the child's file,
 * or refuse with a reason, mailed to the family. Both go through the request's transition.
 */
export function schoolEnrolmentsController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx: ServiceContext = { pool, clock, config };

  async function load(req: Request) {
    const request = await repo.findSchoolRequest(pool, requireTown(req).id, idParam(req, 'requestId'));
    if (!request) throw new NotFoundError('pre-enrolment of another town');
    return request;
  }

  async function render(
    req: Request,
    res: Response,
    status: number,
    form: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) {
    const town = requireTown(req);
    const request = await load(req);
    const schools = await repo.listSchools(pool, town.id);
    const p = request.payload as Partial<SchoolEnrolmentPayload>;
    const errors = form.errors ?? [];
    res.status(status).render('agents/school-sectors/enrolment', {
      title: request.summary,
      request,
      details: requestDetails('school_enrolment', request.payload),
      statusLabel: STATUS_LABELS[request.status as keyof typeof STATUS_LABELS],
      canDecide: canTransition(request.status as keyof typeof STATUS_LABELS, 'accepted', 'agent'),
      schools,
      kindLabels: KIND_LABELS,
      levels: LEVELS,
      errors,
      fieldErrors: errorMap(errors),
      values: form.values ?? { ecole: p.derogation?.schoolId ?? p.sectorSchool?.id ?? '', classe: p.level ?? '', motif: '' },
    });
  }

  const show = (req: Request, res: Response) => render(req, res, 200);

  async function accept(req: Request, res: Response) {
    const town = requireTown(req);
    const request = await load(req);
    const values = formValues(req.body);
    const schools = await repo.listSchools(pool, town.id);
    const errors: FieldError[] = [];
    const school = schools.find((s) => s.id === (values.ecole ?? '').toLowerCase());
    if (!school) errors.push({ field: 'ecole', message: "Choisissez l'école" });
    if (!levelOf(values.classe)) errors.push({ field: 'classe', message: 'Choisissez la classe' });
    if (errors.length > 0) return render(req, res, 400, { errors, values });
    const result = await agentTransition(ctx, town, auditActor(req), request.id, 'accepted', '', {
      schoolId: school!.id,
      level: values.classe,
    });
    if (!result.ok)
      return render(req, res, result.problem === 'not_allowed' ? 409 : 400, {
        errors: [{ field: 'ecole', message: result.message }],
        values,
      });
    req.session.flash = { kind: 'success', message: `Préinscription acceptée : ${school!.name}. Le dossier de l'enfant est à jour.` };
    res.redirect(303, urls.agentSchoolSectors(town));
  }

  async function refuse(req: Request, res: Response) {
    const town = requireTown(req);
    const request = await load(req);
    const values = formValues(req.body);
    const reason = (values.motif ?? '').trim();
    if (!reason)
      return render(req, res, 400, { errors: [{ field: 'motif', message: 'Saisissez le motif du refus, pour la famille' }], values });
    if (reason.length > 2000)
      return render(req, res, 400, { errors: [{ field: 'motif', message: 'Le motif doit faire 2 000 caractères au plus' }], values });
    const result = await agentTransition(ctx, town, auditActor(req), request.id, 'refused', reason);
    if (!result.ok)
      return render(req, res, result.problem === 'not_allowed' ? 409 : 400, {
        errors: [{ field: 'motif', message: result.message }],
        values,
      });
    req.session.flash = { kind: 'success', message: 'Préinscription refusée : la famille a reçu le motif par courriel.' };
    res.redirect(303, urls.agentSchoolSectors(town));
  }

  return { show, accept, refuse };
}
