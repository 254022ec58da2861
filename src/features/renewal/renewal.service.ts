import { lockForTransaction, withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit } from '../../lib/audit.js';
import { addDays, daysBetween, formatDate, parisDay } from '../../lib/calendar/index.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import { de, greeting, personName } from '../../lib/french.js';
import type { FieldError } from '../../lib/forms.js';
import { enqueueMail } from '../../lib/mailer.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as activities from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/renewal.repository.js';
import type { Campaign, CampaignInput } from '../../repositories/renewal.repository.js';
import { findTownById, type Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { kindLabel } from '../documents/documents.schemas.js';
import { copyStoredFiles, findForOwner, type ListedDocument } from '../documents/documents.service.js';
import type { RenewalPayload } from '../requests/request-types.js';
import { agentTransition, createRequest, type AgentActing, type TransitionResult } from '../requests/requests.service.js';
import type { RenewalChoice } from './renewal-form.js';
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

// ---------------------------------------------------------------- the family sends

export type SendResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

/**
 * Sends a child's renewal: the stored pieces are checked again as the parent's own and valid,
 * copied onto the request (the agents read the request's copy, never the storage) with the
 * uploads; the request and its submission are made in one transaction, under a lock on the
 * child and campaign so that a double click sends one renewal.
 */
export async function sendRenewal(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  campaign: Campaign,
  child: { id: string; firstNames: string; lastName: string },
  choice: RenewalChoice,
  uploads: CheckedFile[],
): Promise<SendResult> {
  const stored: { kind: string; doc: ListedDocument }[] = [];
  for (const piece of choice.pieces) {
    if (!piece.documentId) continue;
    const doc = await findForOwner(ctx, parent, piece.documentId);
    if (!doc || doc.kind !== piece.kind || doc.validity.kind === 'expired') {
      const field = `piece-${piece.kind}`;
      return {
        ok: false,
        errors: [{ field, message: "Ce document n'est plus valable dans votre espace de stockage : choisissez parmi la liste" }],
      };
    }
    stored.push({ kind: piece.kind, doc });
  }
  const fileCount = uploads.length + stored.reduce((n, s) => n + s.doc.files.length, 0);
  if (fileCount > DOCUMENT_MAX_FILES) {
    return {
      ok: false,
      errors: [
        { field: 'fichiers', message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount}` },
      ],
    };
  }
  const copies = await copyStoredFiles(
    ctx,
    parent,
    stored.map((s) => s.doc),
  );
  const names = await activities.listActivities(ctx.pool, town.id);
  const childName = personName(child.firstNames, child.lastName);
  const payload: RenewalPayload = {
    campaignId: campaign.id,
    campaignTitle: campaign.title,
    childName,
    confirmedAt: ctx.clock.now().toISOString(),
    pieces: choice.pieces.map((p) => {
      const s = stored.find((x) => x.kind === p.kind);
      return `${kindLabel(p.kind)} : ${s ? `${s.doc.title} (espace de stockage)` : `fichier joint (${uploads.map((u) => u.name).join(', ')})`}`;
    }),
    activities: choice.activityIds.map((id) => ({ id, name: names.find((a) => a.id === id)?.name ?? '' })),
  };
  return withTransaction(ctx.pool, async (db) => {
    await lockForTransaction(db, `renewal:${campaign.id}:${child.id}`);
    const [current] = (await repo.listCampaignChildren(db, town.id, campaign.id, parent.familyId)).filter((c) => c.childId === child.id);
    if (!current)
      return { ok: false, errors: [{ field: 'confirme', message: "Cet enfant n'est plus dans votre dossier famille" }] } as const;
    if (renewalStatusOf(current.requestStatus) !== 'todo') {
      return {
        ok: false,
        errors: [{ field: 'confirme', message: `Le renouvellement ${de(child.firstNames)} a déjà été envoyé` }],
      } as const;
    }
    const files = [...uploads, ...copies];
    const request = await createRequest(db, ctx, town, parent, {
      type: 'renewal',
      childId: child.id,
      summary: `Renouvellement du dossier ${de(childName)} (${campaign.title})`,
      payload: payload as unknown as Record<string, unknown>,
      message: files.length > 0 ? `Pièces du renouvellement : ${payload.pieces.join(' ; ')}.` : undefined,
      files,
    });
    await repo.insertSubmission(db, {
      townId: town.id,
      campaignId: campaign.id,
      familyId: parent.familyId,
      childId: child.id,
      requestId: request.id,
      activityIds: choice.activityIds,
      now: ctx.clock.now(),
    });
    return { ok: true, requestId: request.id } as const;
  });
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
    const due = dueReminder(campaign.reminderDays, daysBetween(today, campaign.closesOn));
    if (due === null) continue;
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
        const recipients = await repo.familyRecipients(db, town.id, familyId);
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
            subject: `Renouvellement du dossier : plus que ${due} jour${due > 1 ? 's' : ''}`,
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
