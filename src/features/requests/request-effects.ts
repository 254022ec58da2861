import type { Queryable } from '../../db/pool.js';
import * as members from '../../repositories/family-members.repository.js';
import type { RequestRow, RequestType } from '../../repositories/requests.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import type { AddMemberPayload, ContactChangePayload } from './request-types.js';

/**
 * What a decision on a request does to the family file, per type. Each effect runs inside
 * the transition's transaction, after the request row is locked: the status, the history,
 * the mail and these writes commit together or not at all. Types without an entry only
 * change status (issue 6 registers its own with `registerRequestEffects`).
 */
export interface EffectContext {
  db: Queryable;
  town: Town;
  request: RequestRow;
  now: Date;
}

export type EffectResult = { ok: true; outcome?: Record<string, unknown> } | { ok: false; message: string };

export interface RequestEffects {
  onAccept?: (ctx: EffectContext) => Promise<EffectResult>;
  onRefuse?: (ctx: EffectContext) => Promise<EffectResult>;
}

const effects: Partial<Record<RequestType, RequestEffects>> = {};

export function registerRequestEffects(type: RequestType, e: RequestEffects): void {
  effects[type] = e;
}

export function effectsOf(type: RequestType): RequestEffects {
  return effects[type] ?? {};
}

// ---------------------------------------------------------------- Ajouter un membre

registerRequestEffects('add_member', {
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
});

// ---------------------------------------------------------------- Coordonnées

registerRequestEffects('contact_change', {
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
});

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
  'authorisedPersons',
] as const;
type ChildField = (typeof CHILD_FIELDS)[number];

registerRequestEffects('child_update', {
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
});
