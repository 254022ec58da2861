import { withTransaction, type Queryable } from '../../db/pool.js';
import { addDays, parisDay, rangeWords, type DayRange } from '../../lib/calendar/index.js';
import { NotFoundError } from '../../lib/errors.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import type { FieldError } from '../../lib/forms.js';
import * as repo from '../../repositories/absences.repository.js';
import { findChildAgendaRows, findFamilyChild, type ActivityRow, type EnrolmentRow } from '../../repositories/activities.repository.js';
import type { Account } from '../../repositories/accounts.repository.js';
import type { NewDocument } from '../../repositories/documents.repository.js';
import { listReservations } from '../../repositories/reservations.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { copyStoredFiles, findForOwner, listForOwner, storeDocument, type ListedDocument } from '../documents/documents.service.js';
import { dayStates } from '../reservations/day-states.js';
import { assertUuid, townCalendar } from '../reservations/reservations.service.js';
import { activityCalendar } from '../reservations/rules.js';
import { formatDay, type AbsencePayload } from '../requests/request-types.js';
import { createRequest } from '../requests/requests.service.js';
import { MAX_RANGE_DAYS, type Step1Fields, type Step1Lists } from './absences.schemas.js';
import { isUuid } from '../../lib/ids.js';
import { de } from '../../lib/french.js';
import type { ServiceContext } from '../../deps.js';

/**
 * "Signaler une absence" (issue 6, seed 004). Step 1 is checked and kept as a draft with
 * its files (absence_drafts); the recap reads the draft; VALIDER turns it, in one
 * transaction, into a request of type 'absence' (0008) whose first message carries the
 * justificatifs as request attachments — the agents handling the request read those, never
 * the parent's private storage — plus the absence_days rows the decision justifies.
 */

/** A validated parent's account, linked to a family file (the routes let no one else in). */
export type AbsenceParent = Account & { familyId: string };

/** The text of the first message when the parent wrote no comment: the files need a message. */
export const FILES_ONLY_MESSAGE = "Justificatif d'absence joint.";

export interface OfferedEnrolment {
  enrolment: EnrolmentRow;
  activity: ActivityRow;
  /** "Restauration Scolaire – 1-Restaurant Félix Concaret du 01/09/2026 au 02/07/2027" */
  label: string;
}

export interface Step1Context {
  child: { id: string; firstNames: string; lastName: string };
  enrolments: OfferedEnrolment[];
  documents: ListedDocument[];
  today: string;
}

function childName(child: { firstNames: string; lastName: string }): string {
  return `${child.firstNames} ${child.lastName.toUpperCase()}`;
}

/**
 * The child (404 unless of the parent's family) and the enrolments an absence may be about:
 * those that overlap the couple of months either side of today, which covers every preset.
 */
export async function step1Context(ctx: ServiceContext, town: Town, parent: AbsenceParent, childId: string): Promise<Step1Context> {
  assertUuid(childId);
  const today = parisDay(ctx.clock.now());
  const [found, listed] = await Promise.all([
    findChildAgendaRows(ctx.pool, town.id, parent.familyId, childId, today, today),
    listForOwner(ctx, parent),
  ]);
  if (!found) throw new NotFoundError('child of another family');
  const from = addDays(today, -MAX_RANGE_DAYS);
  const to = addDays(today, MAX_RANGE_DAYS);
  const enrolments = found.entries
    .filter(({ enrolment }) => enrolment.endDate >= from && enrolment.startDate <= to)
    .map(({ enrolment, activity }) => ({
      enrolment,
      activity,
      label: `${activity.name} – ${activity.site} du ${formatDay(enrolment.startDate)} au ${formatDay(enrolment.endDate)}`,
    }));
  return { child: found.child, enrolments, documents: listed.documents, today };
}

/**
 * The days of each chosen enrolment in the range on which its activity takes children and
 * that can no longer be changed: "Signaler une absence" is for when the deadline has passed
 * (seed 004); a day still open is cancelled in "Modifier les réservations", which frees
 * the place for the waiting list. Those are counted in `stillOpen`.
 */
export async function concernedDays(
  db: Queryable,
  town: Town,
  childId: string,
  chosen: OfferedEnrolment[],
  range: DayRange,
  now: Date,
): Promise<{ days: AbsencePayload['days']; stillOpen: number }> {
  const calendar = await townCalendar(db, town);
  const days: AbsencePayload['days'] = [];
  let stillOpen = 0;
  for (const { enrolment, activity } of chosen) {
    const from = range.from > enrolment.startDate ? range.from : enrolment.startDate;
    const to = range.to < enrolment.endDate ? range.to : enrolment.endDate;
    if (from > to) continue;
    const reservations = await listReservations(db, town.id, { activityId: activity.id, childIds: [childId], from, to });
    const states = dayStates(
      {
        activity: activityCalendar(activity, town.deadlineRules),
        enrolment,
        calendar,
        reservations: reservations.map((r) => ({ day: r.day, status: r.status, confirmed: r.confirmed })),
        counts: [],
        now,
      },
      from,
      to,
    );
    for (const s of states) {
      // Closed by the calendar (holiday, closure) is no activity day; closed by the deadline is.
      if (s.status === 'not_running' || (s.status === 'closed' && s.reason?.code !== 'deadline')) continue;
      if (s.changeable) {
        stillOpen += 1;
        continue;
      }
      days.push({ enrolmentId: enrolment.id, activityId: activity.id, day: s.day, wasReserved: s.reservation?.status === 'booked' });
    }
  }
  return { days, stillOpen };
}

/** What a draft holds besides its files; the recap and VALIDER read it back. */
export interface AbsenceDraftData {
  childId: string;
  childFirstNames: string;
  childName: string;
  enrolments: AbsencePayload['enrolments'];
  period: AbsencePayload['period'];
  datesWords: string;
  days: AbsencePayload['days'];
  /** Days of the range that can still be changed, hence left out (the recap says so). */
  stillOpen?: number;
  comment: string;
  /** The uploaded piece's fields (Qualification, Intitulé…), when files were uploaded. */
  piece: NewDocument | null;
  /** "Dupliquer cette pièce dans mon espace de stockage": the uploaded files only. */
  duplicate: boolean;
  /** Documents chosen from the storage; their files were copied into the draft. */
  stored: { id: string; title: string }[];
  /** Per draft file position: where it came from. */
  files: { position: number; origin: 'upload' | 'storage'; title: string }[];
  /** The typed values, for "Retour à l'étape 1". */
  values: Record<string, string>;
  lists: Step1Lists;
}

/** Drafts an account keeps at once (a few tabs, a few children); older ones go. */
export const DRAFTS_KEPT = 3;

export type SaveStep1Result = { ok: true; draftId: string } | { ok: false; errors: FieldError[] };

/**
 * Checks what needs the database (the stored documents are the parent's, four files at
 * most in all, at least one day of activity), then keeps step 1 as a draft with every
 * file — uploads and copies of the stored documents' files — in one transaction.
 */
export async function saveStep1(
  ctx: ServiceContext,
  town: Town,
  parent: AbsenceParent,
  sc: Step1Context,
  input: {
    fields: Step1Fields;
    piece: NewDocument | null;
    uploads: CheckedFile[];
    values: Record<string, string>;
    lists: Step1Lists;
    replacesDraft?: string;
  },
): Promise<SaveStep1Result> {
  const { fields } = input;
  const errors: FieldError[] = [];

  const stored: ListedDocument[] = [];
  for (const id of fields.storedDocumentIds) {
    const doc = isUuid(id) ? await findForOwner(ctx, parent, id.toLowerCase()) : undefined;
    if (!doc) {
      errors.push({
        // The list is not shown when the storage is empty now: point at the upload instead.
        field: sc.documents.length > 0 ? 'stockage' : 'fichiers',
        message: "Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste",
      });
      break;
    }
    stored.push(doc);
  }
  const fileCount = input.uploads.length + stored.reduce((n, d) => n + d.files.length, 0);
  if (fileCount === 0) {
    errors.push({
      field: 'fichiers',
      message: "Joignez un justificatif d'absence : ajoutez un fichier ou choisissez un document de votre espace de stockage",
    });
  } else if (fileCount > DOCUMENT_MAX_FILES) {
    errors.push({
      field: 'fichiers',
      message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount} (fichiers ajoutés et fichiers des documents de votre espace de stockage)`,
    });
  }

  const chosen = sc.enrolments.filter((e) => fields.enrolmentIds.includes(e.enrolment.id));
  const now = ctx.clock.now();
  const { days: allDays, stillOpen } = await concernedDays(ctx.pool, town, sc.child.id, chosen, fields.range, now);
  // A day already reported (and not refused) is not reported twice: it is left out.
  const reported = new Set(
    (await repo.reportedDays(ctx.pool, town.id, sc.child.id, fields.range.from, fields.range.to)).map((r) => `${r.activityId}:${r.day}`),
  );
  const days = allDays.filter((d) => !reported.has(`${d.activityId}:${d.day}`));
  const dateField = fields.choice === 'le' ? 'le' : fields.choice === 'du-au' ? 'du' : 'periode';
  if (allDays.length === 0 && stillOpen > 0) {
    errors.push({
      field: dateField,
      message: `Ces jours peuvent encore être modifiés : annulez-les dans « Modifier les réservations » ${de(sc.child.firstNames)}, sans justificatif`,
    });
  } else if (allDays.length === 0) {
    errors.push({
      field: dateField,
      message: `Aucun jour d'activité ${de(sc.child.firstNames)} sur ces dates : choisissez d'autres dates ou d'autres inscriptions`,
    });
  } else if (days.length === 0) {
    errors.push({
      field: dateField,
      message: `L'absence ${de(sc.child.firstNames)} est déjà signalée pour ces jours : suivez-la dans vos demandes, ou choisissez d'autres dates`,
    });
  }
  if (errors.length > 0) return { ok: false, errors };

  const copies = await copyStoredFiles(ctx, parent, stored);
  const files: AbsenceDraftData['files'] = input.uploads.map((_, i) => ({
    position: i + 1,
    origin: 'upload',
    title: input.piece?.title ?? '',
  }));
  for (const doc of stored) {
    for (let i = 0; i < doc.files.length; i += 1) files.push({ position: files.length + 1, origin: 'storage', title: doc.title });
  }

  const data: AbsenceDraftData = {
    childId: sc.child.id,
    childFirstNames: sc.child.firstNames,
    childName: childName(sc.child),
    enrolments: chosen.map((e) => ({ id: e.enrolment.id, activityId: e.activity.id, activityName: e.activity.name, label: e.label })),
    period: { choice: fields.choice, from: fields.range.from, to: fields.range.to },
    datesWords: rangeWords(fields.range),
    days,
    stillOpen,
    comment: fields.comment,
    piece: input.uploads.length > 0 ? input.piece : null,
    duplicate: fields.duplicate && input.uploads.length > 0,
    stored: stored.map((d) => ({ id: d.id, title: d.title })),
    files,
    values: input.values,
    lists: input.lists,
  };
  const owner = { townId: town.id, accountId: parent.id };
  const draftId = await withTransaction(ctx.pool, async (db) => {
    // Back from the recap to step 1 and on again: the former draft is of no more use.
    if (input.replacesDraft) await repo.deleteDraft(db, owner, input.replacesDraft);
    const id = await repo.insertDraft(db, owner, data as unknown as Record<string, unknown>, now);
    await repo.insertDraftFiles(
      db,
      town.id,
      id,
      [...input.uploads, ...copies].map((f) => ({
        fileName: f.name,
        contentType: f.mime,
        size: f.size,
        sha256: f.sha256,
        content: f.buffer,
      })),
    );
    await repo.keepNewestDrafts(db, owner, id, DRAFTS_KEPT);
    return id;
  });
  return { ok: true, draftId };
}

export interface DraftView {
  id: string;
  data: AbsenceDraftData;
  files: (repo.DraftFileInfo & { origin: 'upload' | 'storage'; title: string })[];
}

/** The parent's draft, or undefined (another account's, another town's, validated, expired). */
export async function findDraft(ctx: ServiceContext, town: Town, parent: AbsenceParent, draftId: string): Promise<DraftView | undefined> {
  if (!isUuid(draftId)) return undefined;
  const owner = { townId: town.id, accountId: parent.id };
  const draft = await repo.findDraft(ctx.pool, owner, draftId.toLowerCase());
  if (!draft) return undefined;
  const data = draft.data as unknown as AbsenceDraftData;
  const files = await repo.listDraftFiles(ctx.pool, town.id, draft.id);
  return {
    id: draft.id,
    data,
    files: files.map((f) => {
      const origin = data.files.find((o) => o.position === f.position);
      return { ...f, origin: origin?.origin ?? 'upload', title: origin?.title ?? '' };
    }),
  };
}

/** The request VALIDER already made of this draft, if any (the parent's own only). */
export function requestOfDraft(ctx: ServiceContext, town: Town, parent: AbsenceParent, draftId: string): Promise<string | undefined> {
  if (!isUuid(draftId)) return Promise.resolve(undefined);
  return repo.findRequestOfDraft(ctx.pool, { townId: town.id, accountId: parent.id }, draftId.toLowerCase());
}

export function summaryOf(data: Pick<AbsenceDraftData, 'childName' | 'period'>): string {
  const { from, to } = data.period;
  return from === to
    ? `Absence ${de(data.childName)} le ${formatDay(from)}`
    : `Absence ${de(data.childName)} du ${formatDay(from)} au ${formatDay(to)}`;
}

/** Thrown inside VALIDER's transaction so that nothing of it is kept; step 1 says why. */
class ValidationRefused extends Error {
  constructor(
    readonly kind: 'quota' | 'stale',
    readonly userMessage: string,
    readonly field = 'inscriptions',
  ) {
    super(`absence refused at VALIDER: ${kind}`);
  }
}

export type ValidateResult =
  | { kind: 'created'; requestId: string }
  | { kind: 'already'; requestId: string }
  | { kind: 'quota'; message: string; draft: DraftView }
  | { kind: 'stale'; message: string; field: string; draft: DraftView };

/**
 * VALIDER: the request with its first message and attachments, the absence days, the copy
 * in the private storage when asked, and the draft's deletion — one transaction, all or
 * nothing. The draft row is locked first: a second VALIDER waits, then finds no draft and
 * is sent to the request the first one made.
 */
export async function validateDraft(ctx: ServiceContext, town: Town, parent: AbsenceParent, draftId: string): Promise<ValidateResult> {
  const owner = { townId: town.id, accountId: parent.id };
  const id = isUuid(draftId) ? draftId.toLowerCase() : '';
  if (!id) throw new NotFoundError('malformed draft id');
  try {
    const created = await withTransaction(ctx.pool, async (db) => {
      const draft = await repo.findDraft(db, owner, id, true);
      if (!draft) return undefined;
      const data = draft.data as unknown as AbsenceDraftData;
      // The child may have left the family file since step 1.
      if (!(await findFamilyChild(db, town.id, parent.familyId, data.childId))) throw new NotFoundError('child of another family');
      // Another VALIDER for the same child waits here, then sees the days this one reports.
      await repo.lockChildAbsences(db, data.childId);
      const reported = new Set(
        (await repo.reportedDays(db, town.id, data.childId, data.period.from, data.period.to)).map((r) => `${r.activityId}:${r.day}`),
      );
      if (data.days.some((d) => reported.has(`${d.activityId}:${d.day}`))) {
        throw new ValidationRefused(
          'stale',
          'Certains de ces jours ont été signalés entre-temps dans une autre demande : vérifiez vos dates',
          'periode',
        );
      }
      // An agent may have removed an enrolment since step 1: say so instead of failing on its foreign key.
      const enrolmentIds = [...new Set(data.days.map((d) => d.enrolmentId))];
      if ((await repo.countChildEnrolments(db, town.id, data.childId, enrolmentIds)) !== enrolmentIds.length) {
        throw new ValidationRefused('stale', 'Une des inscriptions choisies a été retirée entre-temps : vérifiez votre choix');
      }
      const contents = await repo.draftFileContents(db, town.id, draft.id);
      const files: CheckedFile[] = contents.map((f) => ({
        buffer: f.content,
        mime: f.contentType,
        name: f.fileName,
        size: f.sizeBytes,
        sha256: f.sha256,
      }));
      const payload: AbsencePayload = {
        draftId: draft.id,
        childName: data.childName,
        enrolments: data.enrolments,
        period: data.period,
        datesWords: data.datesWords,
        days: data.days,
        comment: data.comment,
      };
      const request = await createRequest(db, ctx, town, parent, {
        type: 'absence',
        summary: summaryOf(data),
        payload: payload as unknown as Record<string, unknown>,
        childId: data.childId,
        message: data.comment || FILES_ONLY_MESSAGE,
        files,
      });
      await repo.insertAbsenceDays(db, town.id, request.id, data.childId, data.days);
      if (data.duplicate && data.piece) {
        const uploaded = contents
          .filter((f) => data.files.find((o) => o.position === f.position)?.origin === 'upload')
          .map((f) => files[contents.indexOf(f)]!);
        if (uploaded.length > 0) {
          const stored = await storeDocument(db, ctx.clock, parent, data.piece, uploaded);
          if (!stored.ok) throw new ValidationRefused('quota', stored.message);
        }
      }
      await repo.deleteDraft(db, owner, draft.id);
      return request.id;
    });
    if (created) return { kind: 'created', requestId: created };
  } catch (err) {
    if (!(err instanceof ValidationRefused)) throw err;
    const draft = await findDraft(ctx, town, parent, id);
    if (!draft) throw new NotFoundError('draft gone');
    return err.kind === 'quota'
      ? { kind: 'quota', message: err.userMessage, draft }
      : { kind: 'stale', message: err.userMessage, field: err.field, draft };
  }
  const already = await repo.findRequestOfDraft(ctx.pool, owner, id);
  if (!already) throw new NotFoundError('no such draft');
  return { kind: 'already', requestId: already };
}
