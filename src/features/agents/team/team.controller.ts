import type { Request, Response } from 'express';
import type { AppDeps } from '../../../deps.js';
import { auditActor } from '../../../lib/audit.js';
import { NotFoundError } from '../../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../../lib/forms.js';
import { requireTown } from '../../../middleware/town.js';
import { findAgentById, listAgents, type Agent } from '../../../repositories/agents.repository.js';
import { urls } from '../../../routes.js';
import { isUuid } from '../../../lib/ids.js';
import { createAgent, resetAgentPassword } from '../agents.service.js';
import { agentPolicyText } from '../password-policy.js';
import { newAgentSchema } from '../back-office.schemas.js';
import { parseNewPassword } from '../../auth/auth.schemas.js';
import { setAgentEnabled } from '../team.service.js';
import { findProConnectSettings, listProConnectAllowed } from '../../../repositories/franceconnect.repository.js';
import { listHealthAccess } from '../../../repositories/roster.repository.js';

const FIELD_ORDER = ['nom', 'nomUtilisateur', 'courriel', 'role', 'motDePasse', 'confirmation'];

/** The town's team, for its admins: the list, a new agent, a password reset, disabling and enabling. */
export function teamController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };

  async function renderList(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const town = requireTown(req);
    const [agents, proConnect, proConnectAllowed, healthAccess] = await Promise.all([
      listAgents(pool, town.id),
      findProConnectSettings(pool, town.id),
      listProConnectAllowed(pool, town.id),
      listHealthAccess(pool, town.id),
    ]);
    res.status(status).render('agents/team/list', {
      title: 'Équipe',
      agents,
      errors,
      healthAccess,
      proConnect: proConnect?.enabled ? proConnectAllowed : null,
    });
  }

  function renderForm(res: Response, status: number, errors: FieldError[] = [], values: Record<string, string> = {}) {
    res.status(status).render('agents/team/new', {
      title: 'Nouvel agent',
      policy: agentPolicyText(),
      errors,
      fieldErrors: errorMap(errors),
      values: { role: 'agent', ...values },
    });
  }

  const showList = async (req: Request, res: Response) => renderList(req, res, 200);

  const showNew = (_req: Request, res: Response) => renderForm(res, 200);

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const secret = ['motDePasse', 'confirmation'];
    const form = parseForm(newAgentSchema, req.body, { secret });
    if (!form.ok) return renderForm(res, 400, form.errors, form.values);
    const { nom, nomUtilisateur, courriel, role, motDePasse, confirmation } = form.data;
    const kept = { nom, nomUtilisateur, courriel, role };
    if (motDePasse !== confirmation) {
      return renderForm(res, 400, [{ field: 'confirmation', message: 'La confirmation ne correspond pas au mot de passe' }], kept);
    }
    const result = await createAgent(
      ctx,
      town,
      {
        username: nomUtilisateur,
        displayName: nom,
        email: courriel ? courriel.toLowerCase() : null,
        password: motDePasse,
        role,
        // The admin knows this password: the agent replaces it at their first sign-in.
        mustChangePassword: true,
      },
      { ...auditActor(req), ip: req.ip ?? null },
    );
    if (result.kind === 'errors') {
      const errors = [...result.errors].sort((a, b) => FIELD_ORDER.indexOf(a.field) - FIELD_ORDER.indexOf(b.field));
      return renderForm(res, 400, errors, kept);
    }
    const message = `${result.agent.displayName} (${result.agent.username}) peut maintenant se connecter à l'espace agents${
      role === 'admin' ? ' en tant qu’administrateur' : ''
    }. À sa première connexion, il choisira son propre mot de passe.`;
    req.session.flash = { kind: 'success', message };
    res.redirect(303, urls.agentTeam(town));
  }

  // ------------------------------------------------------------------ an admin resets an agent's password

  async function teamMember(req: Request) {
    const id = req.params.agentId;
    if (!isUuid(id)) throw new NotFoundError('not an agent id');
    const member = await findAgentById(pool, requireTown(req).id, id);
    if (!member) throw new NotFoundError('agent of another town');
    return member;
  }

  function renderPassword(res: Response, member: Agent, status: number, errors: FieldError[] = []) {
    res.status(status).render('agents/team/password', {
      title: `Réinitialiser le mot de passe de ${member.displayName}`,
      member,
      policy: agentPolicyText(),
      errors,
      fieldErrors: errorMap(errors),
    });
  }

  async function showPassword(req: Request, res: Response) {
    const member = await teamMember(req);
    if (member.id === req.agent!.id) return res.redirect(303, urls.agentTeam(requireTown(req)));
    renderPassword(res, member, 200);
  }

  async function resetPassword(req: Request, res: Response) {
    const town = requireTown(req);
    const member = await teamMember(req);
    const form = parseNewPassword(req.body);
    if (!form.ok) return renderPassword(res, member, 400, form.errors);
    const result = await resetAgentPassword(ctx, town, member.id, form.data, { ...auditActor(req), agentId: req.agent!.id });
    if (result.kind === 'self') {
      return renderList(req, res, 400, [
        { field: '', message: 'Vous ne pouvez pas réinitialiser votre propre mot de passe : demandez-le à un autre administrateur.' },
      ]);
    }
    if (result.kind === 'errors') return renderPassword(res, member, 400, result.errors);
    const name = `${member.displayName} (${member.username})`;
    const message = `Le mot de passe de ${name} est réinitialisé : ses sessions sont fermées, et il en choisira un nouveau à sa prochaine connexion.`;
    req.session.flash = { kind: 'success', message };
    res.redirect(303, urls.agentTeam(town));
  }

  /** Disabling closes the agent's sessions; enabling lets them sign in again. */
  function setEnabled(enabled: boolean) {
    return async (req: Request, res: Response) => {
      const town = requireTown(req);
      const id = req.params.agentId;
      if (!isUuid(id)) throw new NotFoundError('not an agent id');
      const result = await setAgentEnabled(ctx, town, id, enabled, { ...auditActor(req), agentId: req.agent!.id });
      if (result.kind === 'self') {
        return renderList(req, res, 400, [
          { field: '', message: 'Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.' },
        ]);
      }
      if (result.kind === 'lockout') {
        return renderList(req, res, 400, [
          {
            field: '',
            message: `${result.agent.displayName} est le dernier administrateur qui peut se connecter avec ProConnect, et la connexion par mot de passe est désactivée : autorisez d'abord un autre administrateur.`,
          },
        ]);
      }
      const name = `${result.agent.displayName} (${result.agent.username})`;
      const flash =
        result.kind === 'done'
          ? ({
              kind: 'success',
              message: enabled
                ? `${name} peut de nouveau se connecter.`
                : `${name} est désactivé : ses sessions sont fermées et il ne peut plus se connecter.`,
            } as const)
          : ({ kind: 'info', message: enabled ? `${name} était déjà actif.` : `${name} était déjà désactivé.` } as const);
      req.session.flash = flash;
      res.redirect(303, urls.agentTeam(town));
    };
  }

  return { showList, showNew, create, showPassword, resetPassword, setEnabled };
}
