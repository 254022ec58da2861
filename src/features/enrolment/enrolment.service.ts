import { lockForTransaction, withTransaction } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { latestAuditDetails } from '../../repositories/audit-log.repository.js';
import { formatDate, parisDay } from '../../lib/calendar/index.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import type { FieldError } from '../../lib/forms.js';
import { de, weekdaysPlural } from '../../lib/french.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { enrolmentOverlaps } from '../../repositories/activities.repository.js';
import { getBillingSettings } from '../../repositories/billing-tariffs.repository.js';
import * as repo from '../../repositories/enrolment.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { ServiceContext } from '../../deps.js';
import { copyStoredFiles, findForOwner, type ListedDocument } from '../documents/documents.service.js';
import type { EnrolmentPayload } from '../requests/request-types.js';
import { agentTransitionIn, createRequest, type AgentActing } from '../requests/requests.service.js';
import { isResident } from '../billing/pricing.js';
import { newSeed, rankCandidates } from './allocation.js';
import { eligibility } from './eligibility.js';
import { acceptsApplications, enrolmentState } from './offer.js';
import { checkStoredPiece, pieceWords } from './pieces.js';

/**
 * Enrolment from the parent's side (issue 16, ADR 0019): the agents' settings of an
 * activity, a parent's application (a request of type 'enrolment' with its pieces), and the
 * fair allocation of scarce places. The acceptance itself is enrolment-requests.ts.
 */

type Actor = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

export async function saveSettings(ctx: ServiceContext, town: Town, actor: Actor, activityId: string, s: repo.EnrolmentSettings) {
  await withTransaction(ctx.pool, async (db) => {
    await repo.saveEnrolmentSettings(db, town.id, activityId, s, ctx.clock.now());
    await audit(db, {
      ...actor,
      townId: town.id,
      action: 'activity.enrolment_settings',
      targetType: 'activity',
      targetId: activityId,
      details: {
        opensAt: s.enrolmentOpensAt?.toISOString() ?? null,
        closesAt: s.enrolmentClosesAt?.toISOString() ?? null,
        fairWindowMinutes: s.fairWindowMinutes,
        pieces: s.requiredPieces,
      },
      at: ctx.clock.now(),
    });
  });
}

// ---------------------------------------------------------------- a parent's application

export interface Application {
  childId: string;
  startDate: string;
  endDate: string;
  weekdays: number[];
  pai: 'oui' | 'non' | null;
  diet: string | null;
  /** Per required kind: a stored document's id, or 'fichier' when the uploads carry it. */
  pieces: Record<string, string>;
  uploads: CheckedFile[];
}

export type ApplyResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

/**
 * Checks everything the form could not know (the child is the family's and fits, enrolment
 * is open, each stored piece is the parent's and valid today), then makes the request, its
 * application row and the copies of the stored files in one transaction.
 */
export async function apply(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  activity: repo.OfferActivity,
  input: Application,
): Promise<ApplyResult> {
  const now = ctx.clock.now();
  const today = parisDay(now);
  const errors: FieldError[] = [];
  if (!acceptsApplications(enrolmentState(activity, now))) {
    return {
      ok: false,
      errors: [{ field: 'enfant', message: "Les inscriptions à cette activité ne sont pas ouvertes : consultez l'offre pour leurs dates" }],
    };
  }
  const children = await repo.listFamilyChildren(ctx.pool, town.id, parent.familyId, activity.id);
  const child = children.find((c) => c.id === input.childId);
  if (!child) return { ok: false, errors: [{ field: 'enfant', message: "Choisissez l'enfant à inscrire parmi ceux de votre dossier" }] };
  const fits = eligibility(child, activity);
  if (!fits.ok) errors.push({ field: 'enfant', message: `L'inscription ${de(child.firstNames)} n'est pas possible : ${fits.reason}` });
  if (input.startDate < activity.startDate || input.endDate > activity.endDate) {
    errors.push({
      field: input.startDate < activity.startDate ? 'du' : 'au',
      message: `La période doit être comprise dans celle de l'activité, du ${formatDate(activity.startDate)} au ${formatDate(activity.endDate)}`,
    });
  }

  const stored: ListedDocument[] = [];
  const pieceWordsList: string[] = [];
  for (const piece of activity.requiredPieces) {
    const field = `piece-${piece.kind}`;
    const choice = input.pieces[piece.kind] ?? '';
    if (choice === 'fichier') {
      if (input.uploads.length === 0)
        errors.push({ field: 'fichiers', message: `Ajoutez le fichier de la pièce « ${pieceWords(piece)} »` });
      pieceWordsList.push(`${pieceWords(piece)} : fichier ajouté`);
      continue;
    }
    const doc = choice ? await findForOwner(ctx, parent, choice) : undefined;
    if (!doc) {
      errors.push({
        field,
        message: choice
          ? "Le document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste"
          : `Joignez la pièce « ${pieceWords(piece)} » : choisissez un document de votre espace de stockage ou ajoutez un fichier`,
      });
      continue;
    }
    const check = checkStoredPiece(doc, piece, today);
    if (!check.ok) {
      errors.push({ field, message: `« ${doc.title} » ne convient pas pour la pièce « ${pieceWords(piece)} » : ${check.reason}` });
      continue;
    }
    stored.push(doc);
    pieceWordsList.push(`${pieceWords(piece)} : ${doc.title} (espace de stockage)`);
  }
  const fileCount = input.uploads.length + stored.reduce((n, d) => n + d.files.length, 0);
  if (fileCount > DOCUMENT_MAX_FILES)
    errors.push({
      field: 'fichiers',
      message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount}`,
    });
  if (errors.length === 0 && (await enrolmentOverlaps(ctx.pool, town.id, activity.id, child.id, input.startDate, input.endDate)))
    errors.push({
      field: 'enfant',
      message: `${child.firstNames} a déjà une inscription à cette activité sur une partie de cette période`,
    });
  if (errors.length === 0 && (await repo.openApplicationExists(ctx.pool, town.id, activity.id, child.id)))
    errors.push({ field: 'enfant', message: `Une demande d'inscription ${de(child.firstNames)} à cette activité est déjà en cours` });
  if (errors.length > 0) return { ok: false, errors };

  const copies = await copyStoredFiles(ctx, parent, stored);
  const childName = `${child.firstNames} ${child.lastName.toUpperCase()}`;
  const payload: EnrolmentPayload = {
    activityId: activity.id,
    activityName: activity.site ? `${activity.name} (${activity.site})` : activity.name,
    childId: child.id,
    childName,
    startDate: input.startDate,
    endDate: input.endDate,
    daysWords: input.weekdays.length > 0 ? weekdaysPlural(input.weekdays) : '',
    pai: activity.asksPai ? input.pai : null,
    diet: activity.asksDiet ? (input.diet ?? '') : null,
    pieces: pieceWordsList,
  };
  const files = [...input.uploads, ...copies];
  const requestId = await withTransaction(ctx.pool, async (db) => {
    // One application per child and activity at a time, even from two tabs at once.
    await lockForTransaction(db, `apply:${activity.id}:${child.id}`);
    if (await repo.openApplicationExists(db, town.id, activity.id, child.id)) return null;
    const request = await createRequest(db, ctx, town, parent, {
      type: 'enrolment',
      summary: `Inscription de ${childName} : ${activity.name}`.slice(0, 200),
      payload: payload as unknown as Record<string, unknown>,
      childId: child.id,
      ...(files.length > 0 ? { message: 'Pièces jointes à la demande d’inscription.', files } : {}),
    });
    await repo.insertApplication(db, {
      requestId: request.id,
      townId: town.id,
      activityId: activity.id,
      familyId: parent.familyId,
      childId: child.id,
      receivedAt: ctx.clock.now(),
    });
    return request.id;
  });
  if (!requestId)
    return {
      ok: false,
      errors: [{ field: 'enfant', message: `Une demande d'inscription ${de(child.firstNames)} à cette activité est déjà en cours` }],
    };
  return { ok: true, requestId };
}

// ---------------------------------------------------------------- fair allocation

/**
 * The applications as the agents' page shows them. Once allocated, the ranking is replayed
 * from the recorded seed over the very applications it ranked (those given a rank), with the
 * criteria as the allocation read them (its audit row keeps them: its own acceptances enrol
 * brothers and sisters, and a family may move), so it comes out identical; the others
 * (arrived or decided apart) follow in arrival order, with today's criteria.
 */
export async function ranking(ctx: Pick<ServiceContext, 'pool'>, town: Town, activity: repo.OfferActivity) {
  const [applications, settings] = await Promise.all([
    repo.listApplications(ctx.pool, town.id, activity.id),
    getBillingSettings(ctx.pool, town.id),
  ]);
  const withResidence = applications.map((a) => ({ ...a, resident: isResident(a.postalCode, settings.residentPostalCodes) }));
  if (!activity.allocationSeed) return { ranked: [], others: withResidence };
  const record = await latestAuditDetails(ctx.pool, town.id, 'enrolment.allocate', activity.id);
  const read = (key: string) => (Array.isArray(record?.[key]) ? new Set(record[key] as string[]) : undefined);
  const [residents, siblings] = [read('residents'), read('siblings')];
  // The window as it was: agents may move the opening once the places are given.
  const window = {
    opensAt: typeof record?.opensAt === 'string' ? new Date(record.opensAt) : new Date(activity.enrolmentOpensAt!),
    windowMinutes: typeof record?.windowMinutes === 'number' ? record.windowMinutes : activity.fairWindowMinutes!,
  };
  const asRead = withResidence
    .filter((a) => a.allocation !== null)
    .map((a) => ({
      ...a,
      resident: residents ? residents.has(a.requestId) : a.resident,
      siblingEnrolled: siblings ? siblings.has(a.requestId) : a.siblingEnrolled,
    }));
  return {
    ranked: rankApplications(asRead, { seed: activity.allocationSeed, ...window }),
    others: withResidence.filter((a) => a.allocation === null),
  };
}

function rankApplications(
  applications: (repo.ApplicationRow & { resident: boolean })[],
  draw: { seed: string; opensAt: Date; windowMinutes: number },
) {
  return rankCandidates(
    applications.map((a) => ({ ...a, id: a.requestId, receivedAt: new Date(a.receivedAt) })),
    draw,
  );
}

export type AllocateResult =
  { ok: true; offered: number; waiting: number; passedOver: { childName: string; reason: string }[] } | { ok: false; message: string };

/**
 * "Attribuer les places": draws a seed (kept on the activity, so the ranking can be
 * replayed), ranks the applications, accepts the first ones up to the places left — each
 * through the request's own decision, so the enrolment, the history and the mail are those
 * of an agent's acceptance — and gives the others their rank on the waiting list. One
 * transaction: all of it, or nothing.
 */
export async function allocate(ctx: ServiceContext, town: Town, acting: AgentActing, activityId: string): Promise<AllocateResult> {
  return withTransaction(ctx.pool, async (db) => {
    const activity = await repo.lockActivity(db, town.id, activityId);
    if (!activity) return { ok: false, message: "Cette activité n'existe plus" } as const;
    if (activity.fairWindowMinutes === null || activity.enrolmentOpensAt === null)
      return { ok: false, message: "Cette activité n'a pas d'attribution équitable : réglez-la dans son inscription en ligne" } as const;
    if (activity.allocatedAt)
      return { ok: false, message: `Les places ont déjà été attribuées le ${formatDate(activity.allocatedAt)}` } as const;
    const now = ctx.clock.now();
    const windowEnd = new Date(activity.enrolmentOpensAt).getTime() + activity.fairWindowMinutes * 60_000;
    if (now.getTime() < windowEnd)
      return {
        ok: false,
        message: 'La première fenêtre n’est pas terminée : les demandes qui y arrivent encore doivent entrer dans le tirage',
      } as const;
    const seed = newSeed();
    const [applications, settings] = await Promise.all([repo.listApplications(db, town.id, activityId), getBillingSettings(db, town.id)]);
    const open = applications.filter((a) => a.status === 'sent' || a.status === 'in_progress' || a.status === 'complement_requested');
    const draw = { seed, opensAt: new Date(activity.enrolmentOpensAt), windowMinutes: activity.fairWindowMinutes };
    const ranked = rankApplications(
      open.map((a) => ({ ...a, resident: isResident(a.postalCode, settings.residentPostalCodes) })),
      draw,
    );
    // Recorded first: the acceptances below pass the "allocate first" rule of enrolment-requests.ts.
    await repo.recordAllocation(db, town.id, activityId, seed, now);
    let places = activity.capacity === null ? ranked.length : Math.max(0, activity.capacity - activity.enrolled);
    let offered = 0;
    const passedOver: { childName: string; reason: string }[] = [];
    for (const r of ranked) {
      if (places > 0) {
        // An acceptance its effect refuses (the child enrolled by hand since it applied) writes
        // nothing: the place goes to the next one, and that request stays open for an agent.
        const result = await agentTransitionIn(db, ctx, town, acting, r.candidate.requestId, 'accepted', '');
        if (result.ok) {
          await repo.setApplicationRank(db, town.id, r.candidate.requestId, r.rank, 'offered');
          places -= 1;
          offered += 1;
          continue;
        }
        passedOver.push({ childName: r.candidate.childName, reason: result.message });
      }
      await repo.setApplicationRank(db, town.id, r.candidate.requestId, r.rank, 'waiting');
    }
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'enrolment.allocate',
      targetType: 'activity',
      targetId: activityId,
      // The window and criteria as read now, for the replay: the acceptances above already changed the siblings'.
      details: {
        seed,
        opensAt: draw.opensAt.toISOString(),
        windowMinutes: draw.windowMinutes,
        offered,
        waiting: ranked.length - offered,
        residents: ranked.filter((r) => r.candidate.resident).map((r) => r.candidate.requestId),
        siblings: ranked.filter((r) => r.candidate.siblingEnrolled).map((r) => r.candidate.requestId),
      },
      at: now,
    });
    return { ok: true, offered, waiting: ranked.length - offered, passedOver } as const;
  });
}
