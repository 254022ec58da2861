import { lockForTransaction, withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { parisDay } from '../../lib/calendar/index.js';
import type { CheckedFile } from '../../lib/file-checks.js';
import { de, personName } from '../../lib/french.js';
import type { FieldError } from '../../lib/forms.js';
import type { Account } from '../../repositories/accounts.repository.js';
import { findFamilyFile } from '../../repositories/family-files.repository.js';
import * as repo from '../../repositories/school-sectors.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { findForOwner, type ListedDocument } from '../documents/documents.service.js';
import { copyPieces } from '../renewal/renewal-send.js';
import type { SchoolEnrolmentPayload } from '../requests/request-types.js';
import { createRequest } from '../requests/requests.service.js';
import { levelOf, nextSchoolYear } from './levels.js';
import { schoolsForAddress } from './school-sectors.service.js';
import type { SchoolChoice } from './school-form.js';

/**
 * The family's school pre-enrolment (issue 16): a request of type 'school_enrolment' with the
 * sector's school found from the family file's address, a derogation if asked, and the pieces
 * — stored ones copied onto the request, as the renewal does. One open pre-enrolment per child.
 */

/** The family file's address (the one the services know), and the sector's schools for it. */
export async function sectorOfFamily(ctx: Pick<ServiceContext, 'pool'>, townId: string, familyId: string) {
  const family = await findFamilyFile(ctx.pool, townId, familyId);
  const address = family
    ? { line: family.addressLine, postalCode: family.postalCode, city: family.city }
    : { line: '', postalCode: '', city: '' };
  return { address, schools: await schoolsForAddress(ctx, townId, address) };
}

export type PreEnrolResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

export async function preEnrol(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  child: { id: string; firstNames: string; lastName: string },
  choice: SchoolChoice,
  uploads: CheckedFile[],
): Promise<PreEnrolResult> {
  const level = levelOf(choice.level)!;
  const stored: { label: string; doc: ListedDocument }[] = [];
  for (const piece of choice.pieces) {
    if (!piece.documentId) continue;
    const doc = await findForOwner(ctx, parent, piece.documentId);
    if (!doc || doc.validity.kind === 'expired') {
      return {
        ok: false,
        errors: [
          { field: 'fichiers', message: "Un document choisi n'est plus valable dans votre espace de stockage : choisissez parmi la liste" },
        ],
      };
    }
    stored.push({ label: piece.label, doc });
  }
  const copied = await copyPieces(
    ctx,
    parent,
    uploads,
    stored.map((s) => s.doc),
  );
  if (!copied.ok) return copied;
  const copies = copied.copies;
  const sector = (await sectorOfFamily(ctx, town.id, parent.familyId)).schools.find((s) => s.kind === level.kind) ?? null;
  const asked = choice.derogation ? await repo.findSchool(ctx.pool, town.id, choice.derogation.schoolId) : undefined;
  if (choice.derogation && !asked) return { ok: false, errors: [{ field: 'autreEcole', message: "Choisissez l'école dans la liste" }] };
  const childName = personName(child.firstNames, child.lastName);
  const payload: SchoolEnrolmentPayload = {
    childName,
    schoolYear: nextSchoolYear(parisDay(ctx.clock.now())),
    level: level.value,
    levelLabel: level.label,
    sectorSchool: sector ? { id: sector.id, name: sector.name } : null,
    derogation: choice.derogation && asked ? { schoolId: asked.id, schoolName: asked.name, reason: choice.derogation.reason } : null,
    pieces: choice.pieces.map((p) => {
      const s = stored.find((x) => x.label === p.label);
      return `${p.label} : ${s ? `${s.doc.title} (espace de stockage)` : 'fichier joint'}`;
    }),
  };
  return withTransaction(ctx.pool, async (db) => {
    // A double click sends one pre-enrolment: the second waits for the first, then finds it.
    await lockForTransaction(db, `school-enrolment:${child.id}`);
    if (await repo.hasOpenSchoolRequest(db, town.id, child.id)) {
      return {
        ok: false,
        errors: [{ field: 'enfant', message: `Une préinscription ${de(child.firstNames)} attend déjà la réponse des services` }],
      } as const;
    }
    const request = await createRequest(db, ctx, town, parent, {
      type: 'school_enrolment',
      childId: child.id,
      summary: `Préinscription scolaire ${de(childName)} en ${level.label} (${payload.schoolYear})`,
      payload: payload as unknown as Record<string, unknown>,
      message: `Pièces de la préinscription : ${payload.pieces.join(' ; ')}.`,
      files: [...uploads, ...copies],
    });
    return { ok: true, requestId: request.id } as const;
  });
}
