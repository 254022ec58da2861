import type { Agent } from '../../../repositories/agents.repository.js';
import { countToProcess } from '../../../repositories/requests.repository.js';
import { listAwaitingSubmissions } from '../../../repositories/reservations.repository.js';
import type { Town } from '../../../repositories/towns.repository.js';
import { urls } from '../../../routes.js';
import { waitingAccountsSummary } from '../activation.service.js';
import type { ServiceContext } from '../../../deps.js';

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
  /** A kind of work counted in this line, with its own link ("dont 1 signalement d'absence"). */
  part?: { one: string; many: string; count: number; href: string };
}

export type HomeLineSource = (ctx: ServiceContext, town: Town, agent: Agent) => Promise<HomeLine | undefined>;

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

// Absences are requests too: said as a part of that line ("dont 1 signalement d'absence"),
// with its own link, because the attendance sheets and billing wait for their decision. A
// line of their own read as a second, separate piece of work.
const requestsToProcess: HomeLineSource = async (ctx, town) => {
  const [count, absences] = await Promise.all([countToProcess(ctx.pool, town.id), countToProcess(ctx.pool, town.id, 'absence')]);
  return {
    one: 'demande des familles à traiter',
    many: 'demandes des familles à traiter',
    none: 'Aucune demande des familles à traiter.',
    count,
    href: urls.agentRequests(town),
    part: {
      one: "signalement d'absence",
      many: "signalements d'absence",
      count: absences,
      href: urls.agentRequests(town, { type: 'absence' }),
    },
  };
};

export const HOME_LINES: HomeLineSource[] = [accountsToActivate, requestsToProcess, reservationsToConfirm];
