import type { ServiceContext } from '../../deps.js';
import * as members from '../../repositories/family-members.repository.js';
import type { RequestType } from '../../repositories/requests.repository.js';
import { absenceEffects } from '../absences/absence-requests.js';
import { enrolmentEffects } from '../enrolment/enrolment-requests.js';
import { quotientDeclarationEffects } from '../quotient/quotient-requests.js';
import { renewalEffects } from '../renewal/renewal-requests.js';
import { reservationEffects } from '../reservations/reservation-requests.js';
import { schoolEnrolmentEffects } from '../school-enrolment/school-requests.js';
import type { AddMemberPayload, ContactChangePayload, RequestEffects } from './request-types.js';

/**
 * What a decision on a request does to the family file and the bookings, for every type: an
 * explicit table built with the app's dependencies, read by the decision itself
 * (requests.service.ts `agentTransition`), so a request decided from any page, job or script
 * runs its effects. Each effect runs inside the transition's transaction, after the request row
 * is locked: the status, the history, the mail and these writes commit together or not at all.
 * A type whose decision only changes its status says so with `{}`; a new type cannot be
 * forgotten here (the table lists every RequestType).
 */
export function requestEffects(ctx: ServiceContext): Record<RequestType, RequestEffects> {
  return {
    add_member: addMember,
    contact_change: contactChange,
    child_update: childUpdate,
    reservation: reservationEffects(ctx),
    absence: absenceEffects,
    enrolment: enrolmentEffects(ctx),
    // A contested invoice line changes nothing by itself: the correction is a credit note.
    invoice_contest: {},

    quotient_declaration: quotientDeclarationEffects,
    // Validating a renewal enrols the child in next year's activities.
    renewal: renewalEffects,
    // Accepting a pre-enrolment gives the child its school and class.
    school_enrolment: schoolEnrolmentEffects,
    // A town form's answer is for the services to act on: its decision only changes its status.
    town_form: {},
    // A message of the commune to a group of families (src/features/group-messages/): closing
    // the thread after the family's reply only changes its status.
    town_message: {},
  };
}

// ---------------------------------------------------------------- Ajouter un membre

const addMember: RequestEffects = {
  onAccept: async ({ db, town, request, now }) => {
    const p = request.payload as unknown as AddMemberPayload;
    if (!request.familyId) return { ok: false, message: "Cette demande n'est rattachée à aucun dossier famille" };
    if (p.kind === 'child') {
      const childId = await members.insertFamilyChild(db, {
        townId: town.id,
        familyId: request.familyId,
        firstNames: p.firstNames,
        lastName: p.lastName,
        birthDate: p.birthDate,
        school: p.school,
        className: p.className,
        now,
      });
      return { ok: true, outcome: { childId } };
    }
    const adultId = await members.insertFamilyAdult(db, {
      townId: town.id,
      familyId: request.familyId,
      civility: p.civility,
      firstNames: p.firstNames,
      lastName: p.lastName,
      email: p.email,
      phone: p.phone,
      now,
    });
    return { ok: true, outcome: { adultId } };
  },
};

// ---------------------------------------------------------------- Coordonnées

const contactChange: RequestEffects = {
  // The account changed at once; the family file follows when the services accept.
  onAccept: async ({ db, town, request, now }) => {
    const p = request.payload as unknown as ContactChangePayload;
    if (!request.familyId) return { ok: true, outcome: { familyFile: 'none' } };
    if (p.kind === 'address' && p.address) {
      await members.updateFamilyAddress(db, town.id, request.familyId, p.address, now);
      return { ok: true, outcome: { familyFile: 'address' } };
    }
    if (request.accountId && (p.kind === 'email' || p.kind === 'phones')) {
      const n = await members.updateAdultOfAccount(
        db,
        town.id,
        request.familyId,
        request.accountId,
        p.kind === 'email' ? { email: p.email } : { phone: p.phone },
        now,
      );
      return { ok: true, outcome: { familyFile: n > 0 ? p.kind : 'no_record' } };
    }
    return { ok: true };
  },
};

// ---------------------------------------------------------------- Dossier administratif

interface StoredChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

const CHILD_FIELDS = [
  'school',
  'className',
  'healthNotes',
  'allergies',
  'doctorName',
  'doctorPhone',
  'photoConsent',
  'mayLeaveAlone',
  'dietNoPork',
  'dietVegetarian',
  'dietGlutenFree',
  'pai',
  'paiAllergens',
  'authorisedPersons',
] as const;
type ChildField = (typeof CHILD_FIELDS)[number];

const childUpdate: RequestEffects = {
  // The change applied at once. A refusal puts back the former value of each field the
  // family has not changed again since: the services' "no" must not leave the file saying yes.
  onRefuse: async ({ db, town, request, now }) => {
    if (!request.childId) return { ok: true };
    const child = await members.findChildOfTown(db, town.id, request.childId, true);
    if (!child) return { ok: true };
    const changes = (Array.isArray(request.payload.changes) ? request.payload.changes : []) as StoredChange[];
    const fields: members.ChildFileFields = {
      school: child.school,
      className: child.className,
      healthNotes: child.healthNotes,
      allergies: child.allergies,
      doctorName: child.doctorName,
      doctorPhone: child.doctorPhone,
      photoConsent: child.photoConsent,
      mayLeaveAlone: child.mayLeaveAlone,
      dietNoPork: child.dietNoPork,
      dietVegetarian: child.dietVegetarian,
      dietGlutenFree: child.dietGlutenFree,
      pai: child.pai,
      paiAllergens: child.paiAllergens,
      authorisedPersons: child.authorisedPersons,
    };
    const reverted: string[] = [];
    for (const c of changes) {
      if (!(CHILD_FIELDS as readonly string[]).includes(c.field) || !('from' in c)) continue;
      const field = c.field as ChildField;
      if (JSON.stringify(fields[field]) !== JSON.stringify(c.to)) continue;
      (fields as unknown as Record<string, unknown>)[field] = c.from;
      reverted.push(field);
    }
    if (reverted.length > 0) await members.updateChildFile(db, town.id, child.id, fields, now);
    return { ok: true, outcome: { reverted } };
  },
};
