import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { auditActor } from '../../lib/audit.js';
import { NotFoundError } from '../../lib/errors.js';
import { errorMap, parseForm, type FieldError } from '../../lib/forms.js';
import { PASSWORD_MAX_LENGTH } from '../../lib/passwords.js';
import { requireAdmin } from '../../middleware/agent-auth.js';
import { requireTown } from '../../middleware/town.js';
import { findAgentById, listAgents, type Agent } from '../../repositories/agents.repository.js';
import { urls } from '../../routes.js';
import { isUuid } from '../../lib/ids.js';
import { AGENT_PASSWORD_POLICY, createAgent, resetAgentPassword } from './agents.service.js';
import { newAgentSchema } from './back-office.schemas.js';
import { newPasswordSchema } from '../auth/auth.schemas.js';
import { flashAndRedirect } from './flash-redirect.js';
import { setAgentEnabled } from './team.service.js';

const FIELD_ORDER = ['nom', 'nomUtilisateur', 'courriel', 'role', 'motDePasse', 'confirmation'];

/** The agents' password rule, stated on every form before anyone types. */
export function agentPolicyRule(): string {
  const p = AGENT_PASSWORD_POLICY;
  const among = [p.upper && '1 majuscule', p.lower && '1 minuscule', p.digit && '1 chiffre'].filter(Boolean) as string[];
  const rules = among.length ? ` dont ${among.join(', ').replace(/, ([^,]*)$/, ' et $1')}` : '';
  return `Au moins ${p.minLength} caractères${rules}, sans dépasser ${PASSWORD_MAX_LENGTH} caractères ; ni le nom d'utilisateur ni un mot de passe courant.`;
}

/** The rule, and what the admin does with a password they chose for someone else. */
export function agentPolicyText(): string {
  return `${agentPolicyRule()} Communiquez-le à l'agent de vive voix, jamais par courriel : il en choisira un autre à sa première connexion.`;
}

/** The town's team, for its admins only (requireAdmin: everyone else gets the 404). */
export function teamRouter(deps: AppDeps): Router {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock, config };
  const router = Router();

  async function renderList(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const town = requireTown(req);
    res.status(status).render('agents/team/list', { title: 'Équipe', agents: await listAgents(pool, town.id), errors });
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

  router.get('/agents/equipe', requireAdmin, async (req, res) => renderList(req, res, 200));

  router.get('/agents/equipe/nouveau', requireAdmin, (_req, res) => renderForm(res, 200));

  router.post('/agents/equipe/nouveau', requireAdmin, async (req, res) => {
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
    await flashAndRedirect(req, res, { kind: 'success', message }, urls.agentTeam(town));
  });

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

  router.get('/agents/equipe/:agentId/mot-de-passe', requireAdmin, async (req, res) => {
    const member = await teamMember(req);
    if (member.id === req.agent!.id) return res.redirect(303, urls.agentTeam(requireTown(req)));
    renderPassword(res, member, 200);
  });

  router.post('/agents/equipe/:agentId/mot-de-passe', requireAdmin, async (req, res) => {
    const town = requireTown(req);
    const member = await teamMember(req);
    const form = parseForm(newPasswordSchema, req.body, { secret: ['motDePasse', 'confirmationMotDePasse'] });
    if (!form.ok) return renderPassword(res, member, 400, form.errors);
    const result = await resetAgentPassword(
      ctx,
      town,
      member.id,
      { password: form.data.motDePasse, passwordConfirmation: form.data.confirmationMotDePasse },
      { ...auditActor(req), agentId: req.agent!.id },
    );
    if (result.kind === 'self') {
      return renderList(req, res, 400, [
        { field: '', message: 'Vous ne pouvez pas réinitialiser votre propre mot de passe : demandez-le à un autre administrateur.' },
      ]);
    }
    if (result.kind === 'errors') return renderPassword(res, member, 400, result.errors);
    const name = `${member.displayName} (${member.username})`;
    const message = `Le mot de passe de ${name} est réinitialisé : ses sessions sont fermées, et il en choisira un nouveau à sa prochaine connexion.`;
    await flashAndRedirect(req, res, { kind: 'success', message }, urls.agentTeam(town));
  });

  for (const [path, enabled] of [
    ['desactiver', false],
    ['reactiver', true],
  ] as const) {
    router.post(`/agents/equipe/:agentId/${path}`, requireAdmin, async (req, res) => {
      const town = requireTown(req);
      const id = req.params.agentId;
      if (!isUuid(id)) throw new NotFoundError('not an agent id');
      const result = await setAgentEnabled(ctx, town, id, enabled, { ...auditActor(req), agentId: req.agent!.id });
      if (result.kind === 'self') {
        return renderList(req, res, 400, [
          { field: '', message: 'Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre administrateur.' },
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
      await flashAndRedirect(req, res, flash, urls.agentTeam(town));
    });
  }

  return router;
}
