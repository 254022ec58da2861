import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { AUDIT_ACTIONS } from '../../../lib/audit.js';
import { errorMap, parseForm } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { listAgents } from '../../../repositories/agents.repository.js';
import { listAuditRows } from '../../../repositories/audit-log.repository.js';
import { journalFilterSchema, pageNumber } from '../back-office.schemas.js';
import { auditFilter, detailText, TARGET_LABELS } from './journal-view.js';

export const JOURNAL_PAGE_SIZE = 50;

/**
 * The audit log, for the town's admins: its rows only, newest first, filtered by action,
 * agent and dates (Europe/Paris days), 50 a page. Read-only: no route here changes a row,
 * and the table's trigger refuses any update or delete anyway.
 */
export function journalController({ pool }: AppDeps) {
  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const agents = await listAgents(pool, town.id);
    const actions = Object.entries(AUDIT_ACTIONS)
      .map(([value, label]) => ({ value, label }))
      .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
    const form = parseForm(journalFilterSchema, req.query);
    const page = pageNumber(req.query.page);
    const view = { title: 'Journal des actions', agents, actions, targetLabels: TARGET_LABELS, detailText };

    if (!form.ok) {
      return res.status(400).render('agents/journal', {
        ...view,
        errors: form.errors,
        fieldErrors: errorMap(form.errors),
        values: form.values,
        filters: null,
        rows: [],
        total: 0,
        page: 1,
        pages: 1,
      });
    }
    const f = form.data;
    const filter = auditFilter(f);
    const { rows, total } = await listAuditRows(pool, town.id, filter, JOURNAL_PAGE_SIZE, (page - 1) * JOURNAL_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / JOURNAL_PAGE_SIZE));
    res.render('agents/journal', {
      ...view,
      title: page > 1 ? `Journal des actions (page ${page} sur ${pages})` : view.title,
      values: f,
      filters: { action: f.action, agent: f.agent, du: f.du, au: f.au },
      filtered: Boolean(f.action || f.agent || f.du || f.au),
      rows,
      total,
      page,
      pages,
    });
  }

  return { show };
}
