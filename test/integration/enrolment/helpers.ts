import crypto from 'node:crypto';
import type { Queryable } from '../../../src/db/pool.js';
import { saveEnrolmentSettings, type EnrolmentSettings } from '../../../src/repositories/enrolment.repository.js';
import { createActivity, createDocument, town } from '../../helpers/fixtures.js';
import { pdf } from '../../helpers/files.js';
import type { ActivityInput } from '../../../src/repositories/activities.repository.js';

export const NOW = '2026-12-02T09:00:00Z';

/** Settings of an activity open to applications since yesterday, no limit, no piece. */
export const OPEN: EnrolmentSettings = {
  service: 'Accueil de loisirs',
  description: 'Activités de plein air.',
  minAge: null,
  maxAge: null,
  schoolLevels: [],
  requiredPieces: [],
  asksPai: false,
  asksDiet: false,
  enrolmentOpensAt: new Date('2026-12-01T08:00:00Z'),
  enrolmentClosesAt: null,
  fairWindowMinutes: null,
};

/** An activity with its online enrolment settings (written through the repository, as the agents' form does). */
export async function offeredActivity(
  db: Queryable,
  slug: string,
  settings: Partial<EnrolmentSettings> = {},
  activity: Partial<ActivityInput> = {},
): Promise<string> {
  const id = await createActivity(db, slug, { startDate: '2027-01-04', endDate: '2027-06-30', weekdays: [3], ...activity });
  const t = await town(db, slug);
  await saveEnrolmentSettings(db, t.id, id, { ...OPEN, ...settings }, new Date(NOW));
  return id;
}

/** A medical certificate in the parent's storage, with one PDF file. */
export async function storedCertificate(
  db: Queryable,
  slug: string,
  accountId: string,
  doc: { issuedOn: string | null; validUntil?: string | null; title?: string },
) {
  const content = pdf('Certificat médical');
  return createDocument(db, slug, accountId, {
    kind: 'certificat_medical',
    title: doc.title ?? 'Certificat du Dr Martin',
    issuedOn: doc.issuedOn,
    validUntil: doc.validUntil ?? null,
    files: [
      {
        fileName: 'certificat.pdf',
        contentType: 'application/pdf',
        content,
        sha256: crypto.createHash('sha256').update(content).digest('hex'),
      },
    ],
    now: new Date(NOW),
  });
}
