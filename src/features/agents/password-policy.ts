import { PASSWORD_MAX_LENGTH } from '../../lib/passwords.js';
import { AGENT_PASSWORD_POLICY } from './agents.service.js';

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
