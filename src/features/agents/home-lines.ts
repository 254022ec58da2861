import type { Agent } from '../../repositories/agents.repository.js';
import { countToProcess } from '../../repositories/requests.repository.js';
import { listAwaitingSubmissions } from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { urls } from '../../routes.js';
import { waitingAccountsSummary } from './activation.service.js';
import type { AgentContext } from './agents.service.js';

/**
 * "Ce qui vous attend" on the agents' home page: one line per kind of work. A feature adds
 * its line by writing a HomeLineSource and appending it to HOME_LINES; the page renders
 * every line the same way (count, link, how many are late in words), so nothing else
 * changes. A source returns undefined to show nothing (e.g. a line for admins only).
 */
export interface HomeLine {
  /** "1 compte à activer" / "3 comptes à activer" */
  one: string;
  many: string;
  /** Shown when there is nothing to do. */
  none: string;
  count: number;
  href: string;
  /** How many are past their deadline, said in words ("dont 2 en retard"). */
  late?: number;
}

export type HomeLineSource = (ctx: AgentContext, town: Town, agent: Agent) => Promise<HomeLine | undefined>;

const accountsToActivate: HomeLineSource = async (ctx, town) => {
  const { count, late } = await waitingAccountsSummary(ctx, town);
  return {
    one: 'compte à activer',
    many: 'comptes à activer',
    none: 'Aucun compte à activer.',
    count,
    late,
    href: urls.agentAccounts(town),
  };
};

const reservationsToConfirm: HomeLineSource = async (ctx, town) => {
  const waiting = await listAwaitingSubmissions(ctx.pool, town.id);
  return {
    one: 'demande de réservation à confirmer',
    many: 'demandes de réservation à confirmer',
    none: 'Aucune demande de réservation à confirmer.',
    count: waiting.length,
    href: urls.agentReservationQueue(town),
  };
};

const requestsToProcess: HomeLineSource = async (ctx, town) => ({
  one: 'demande des familles à traiter',
  many: 'demandes des familles à traiter',
  none: 'Aucune demande des familles à traiter.',
  count: await countToProcess(ctx.pool, town.id),
  href: urls.agentRequests(town),
});

// A part of the line above, singled out because absences are about days that have passed
// or are close: the attendance sheets and billing wait for the decision.
const absencesToProcess: HomeLineSource = async (ctx, town) => ({
  one: "signalement d'absence à traiter",
  many: "signalements d'absence à traiter",
  none: "Aucun signalement d'absence à traiter.",
  count: await countToProcess(ctx.pool, town.id, 'absence'),
  href: urls.agentRequests(town, { type: 'absence' }),
});

export const HOME_LINES: HomeLineSource[] = [accountsToActivate, requestsToProcess, absencesToProcess, reservationsToConfirm];
