import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit } from '../../lib/audit.js';
import { addDays, daysBetween, formatDate, parisDay } from '../../lib/calendar/index.js';
import { count, greeting } from '../../lib/french.js';
import { enqueueMail } from '../../lib/mailer.js';
import { reminderRecipients } from '../../repositories/reminders.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import type { Campaign, CampaignInput } from '../../repositories/renewal.repository.js';
import { findTownById, type Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { agentTransition, type AgentActing, type TransitionResult } from '../requests/requests.service.js';
import { dueReminder, renewalStatusOf } from './renewal-status.js';

/**
 * The yearly dossier renewal (issue 16, ADR 0020). A campaign is the agents' (admins open and
 * edit it); a child's renewal is a request of type 'renewal' with its submission row (the
 * activities chosen), and the child's status is that request's (renewal-status.ts). Validating
 * is accepting the request: its effect creates next year's enrolments in the decision's
 * transaction; "incomplet" is the request's "complément demandé", with the agent's message.
 */

// ---------------------------------------------------------------- campaigns (admins)

export async function saveCampaign(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  id: string | null,
  input: CampaignInput,
): Promise<string | undefined> {
  return withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    const savedId = id
      ? (await repo.updateCampaign(db, town.id, id, input, now))
        ? id
        : undefined
      : await repo.insertCampaign(db, town.id, input, now);
    if (!savedId) return undefined;
    await audit(db, {
      ...acting,
      townId: town.id,
      action: id ? 'renewal_campaign.update' : 'renewal_campaign.create',
      targetType: 'renewal_campaign',
      targetId: savedId,
      details: { ...input },
      at: now,
    });
    return savedId;
  });
}

/** Whether families may send today: between the opening and the closing day, both included. */
export function isOpen(campaign: Pick<Campaign, 'opensOn' | 'closesOn'>, today: string): boolean {
  return campaign.opensOn <= today && today <= campaign.closesOn;
}

// ---------------------------------------------------------------- the agents decide

export function validateRenewal(ctx: ServiceContext, town: Town, acting: AgentActing, requestId: string): Promise<TransitionResult> {
  return agentTransition(ctx, town, acting, requestId, 'accepted', '');
}

/** "Incomplet": the request waits for the family's complement; the message says what is missing (mailed). */
export function markIncomplete(ctx: ServiceContext, town: Town, acting: AgentActing, requestId: string, missing: string) {
  return agentTransition(ctx, town, acting, requestId, 'complement_requested', missing);
}

// ---------------------------------------------------------------- reminders (job)

/**
 * The reminders' job (daily, src/jobs/queues.ts): for each open campaign whose reminder is due
 * today, each family with a child not sent or incomplete is mailed once per reminder day — the
 * reminder's row and its mails commit together, so a job run twice mails nobody twice.
 * Returns how many families were mailed.
 */
export async function sendReminders(ctx: ServiceContext): Promise<number> {
  const today = parisDay(ctx.clock.now());
  let mailed = 0;
  for (const campaign of await repo.listOpenCampaigns(ctx.pool, today)) {
    const daysLeft = daysBetween(today, campaign.closesOn);
    const due = dueReminder(campaign.reminderDays, daysLeft);
    if (due === null) continue;
    // The days really left: a job that missed the reminder's day sends it later (5 days left for the "7").
    const subject = `Renouvellement du dossier : ${daysLeft === 0 ? 'dernier jour' : `plus que ${count(daysLeft, 'jour', 'jours')}`}`;
    const town = await findTownById(ctx.pool, campaign.townId);
    if (!town) continue;
    const children = await repo.listCampaignChildren(ctx.pool, town.id, campaign.id);
    const late = new Map<string, string[]>();
    for (const c of children) {
      if (['todo', 'incomplete'].includes(renewalStatusOf(c.requestStatus))) {
        late.set(c.familyId, [...(late.get(c.familyId) ?? []), c.firstNames]);
      }
    }
    for (const [familyId, names] of late) {
      const sent = await withTransaction(ctx.pool, async (db) => {
        // Only the accounts that keep dossier reminders on (Mon compte › Rappels par courriel).
        const recipients = await reminderRecipients(db, town.id, familyId, 'dossiers');
        if (recipients.length === 0) return false;
        if (
          !(await repo.recordReminder(db, { townId: town.id, campaignId: campaign.id, familyId, daysBefore: due, now: ctx.clock.now() }))
        ) {
          return false;
        }
        for (const r of recipients) {
          await enqueueMail(db, {
            townId: town.id,
            to: r.email,
            template: 'notification',
            subject,
            data: {
              townName: town.name,
              greeting: greeting(r),
              paragraphs: [
                `La campagne « ${campaign.title} » se termine le ${formatDate(campaign.closesOn)}.`,
                `Le renouvellement du dossier de ${names.join(', ')} n'est pas terminé : confirmez le dossier administratif, joignez les pièces demandées et choisissez les activités de la rentrée.`,
              ],
              link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.renewal(town)), label: 'Renouveler le dossier' },
            },
          });
        }
        return true;
      });
      if (sent) mailed += 1;
    }
  }
  return mailed;
}

/** The day a reminder N goes out, for the campaign's page ("relance le …"). */
export function reminderDay(campaign: Pick<Campaign, 'closesOn'>, days: number): string {
  return addDays(campaign.closesOn, -days);
}
