import { withTransaction } from '../../db/pool.js';
import { NotFoundError } from '../../lib/errors.js';
import * as members from '../../repositories/family-members.repository.js';
import type { AuthorisedPerson, ChildFile, ChildFileFields } from '../../repositories/family-members.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { familyOpen } from '../dashboard/dashboard.service.js';
import type { AddMemberPayload, Change } from '../requests/request-types.js';
import { createRequest, type ParentAccount } from '../requests/requests.service.js';
import { count, de } from '../../lib/french.js';
import type { ServiceContext } from '../../deps.js';

/**
 * The family's side of its file: a child's Dossier administratif edited by a parent (the
 * change applies at once, and reaches the services as a request to acknowledge, with each
 * field's former and new value), and "Ajouter un membre" (a request an agent accepts into
 * the file, or refuses).
 */

function familyOf(account: ParentAccount): string {
  if (!familyOpen(account)) throw new NotFoundError('no family');
  return account.familyId!;
}

export async function childOf(ctx: ServiceContext, town: Town, account: ParentAccount, childId: string): Promise<ChildFile> {
  const child = await members.findFamilyChild(ctx.pool, town.id, familyOf(account), childId);
  if (!child) throw new NotFoundError('child');
  return child;
}

const yes = (v: boolean) => (v ? 'Oui' : 'Non');

function personsText(list: AuthorisedPerson[]): string {
  return list.map((p) => [p.fullName, p.relationship && `(${p.relationship})`, p.phone].filter(Boolean).join(' ')).join('\n');
}

/** The fields of the dossier, how each reads, in the form's order. */
const FIELDS: { key: keyof ChildFileFields; label: string; show: (f: ChildFileFields) => string }[] = [
  { key: 'school', label: 'École', show: (f) => f.school },
  { key: 'className', label: 'Classe', show: (f) => f.className },
  { key: 'healthNotes', label: 'Informations de santé', show: (f) => f.healthNotes },
  { key: 'allergies', label: 'Allergies', show: (f) => f.allergies },
  { key: 'doctorName', label: 'Médecin traitant', show: (f) => f.doctorName },
  { key: 'doctorPhone', label: 'Téléphone du médecin', show: (f) => f.doctorPhone },
  { key: 'photoConsent', label: 'Autorisé(e) à être photographié(e) ou filmé(e)', show: (f) => yes(f.photoConsent) },
  { key: 'mayLeaveAlone', label: 'Autorisé(e) à partir seul(e)', show: (f) => yes(f.mayLeaveAlone) },
  { key: 'dietNoPork', label: 'Sans porc', show: (f) => yes(f.dietNoPork) },
  { key: 'dietVegetarian', label: 'Végétarien', show: (f) => yes(f.dietVegetarian) },
  { key: 'dietGlutenFree', label: 'Sans gluten', show: (f) => yes(f.dietGlutenFree) },
  { key: 'pai', label: "Projet d'accueil individualisé (PAI)", show: (f) => yes(f.pai) },
  { key: 'paiAllergens', label: 'Allergènes du PAI', show: (f) => f.paiAllergens },
  { key: 'authorisedPersons', label: "Personnes autorisées à venir chercher l'enfant", show: (f) => personsText(f.authorisedPersons) },
];

/** Each field that differs, with its former and new value in words and as data. */
export function childChanges(before: ChildFileFields, after: ChildFileFields): Change[] {
  return FIELDS.filter((f) => JSON.stringify(before[f.key]) !== JSON.stringify(after[f.key])).map((f) => ({
    field: f.key,
    label: f.label,
    before: f.show(before),
    after: f.show(after),
    from: before[f.key],
    to: after[f.key],
  }));
}

export type ChildFileResult = { kind: 'unchanged' } | { kind: 'sent'; requestId: string; changes: number };

/**
 * Saves the dossier and makes the request in one transaction. The child's row is locked
 * first, so two parents saving at once each record the differences from what the other
 * saved, never from a stale page.
 */
export async function saveChildFile(
  ctx: ServiceContext,
  town: Town,
  account: ParentAccount,
  childId: string,
  fields: ChildFileFields,
  message: string,
): Promise<ChildFileResult> {
  const familyId = familyOf(account);
  return withTransaction(ctx.pool, async (db) => {
    const child = await members.findFamilyChild(db, town.id, familyId, childId, { lock: true });
    if (!child) throw new NotFoundError('child');
    const changes = childChanges(child, fields);
    if (changes.length === 0) return { kind: 'unchanged' } as const;
    await members.updateChildFile(db, town.id, child.id, fields, ctx.clock.now());
    const name = `${child.firstNames} ${child.lastName.toUpperCase()}`;
    const request = await createRequest(db, ctx, town, account, {
      type: 'child_update',
      childId: child.id,
      summary: `Dossier ${de(name)} : ${count(changes.length, 'modification')}`,
      payload: { childName: name, changes },
      message,
    });
    return { kind: 'sent', requestId: request.id, changes: changes.length } as const;
  });
}

export async function requestNewMember(
  ctx: ServiceContext,
  town: Town,
  account: ParentAccount,
  payload: AddMemberPayload,
  message: string,
): Promise<string> {
  familyOf(account);
  const who = `${payload.firstNames} ${payload.lastName.toUpperCase()}`;
  return withTransaction(ctx.pool, async (db) => {
    const request = await createRequest(db, ctx, town, account, {
      type: 'add_member',
      summary: `Ajout d'un membre : ${who} (${payload.kind === 'child' ? 'enfant' : 'adulte'})`,
      payload: payload as unknown as Record<string, unknown>,
      message,
    });
    return request.id;
  });
}
