import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * "No agent page, export or URL reaches these files" (issue 5; security.md §3.14), made
 * structural: only the parent-facing features may import the private storage, and only
 * its repository may write SQL on its tables. A new importer must be added here, in a
 * reviewed change — the absences of issue 6 ("Ajouter depuis mon espace de stockage",
 * "Dupliquer cette pièce…") will add their PARENT-side file, never an agent one.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Outside src/features/documents/ itself: the app mounts the parent's router; the data export reads the owner's files. */
const ALLOWED_IMPORTERS = [
  'src/app.ts',
  'src/features/data-rights/data-rights.service.ts',
  // "Signaler une absence" (issue 6), the parent's side only: the piece's fields, "Ajouter
  // depuis mon espace de stockage" and "Dupliquer cette pièce…". Its agents' side
  // (absence-requests.ts) does not import the storage.
  'src/features/absences/absences.controller.ts',
  'src/features/absences/absence-step1.ts',
  'src/features/absences/absences.schemas.ts',
  'src/features/absences/absences.service.ts',
  // "Mon quotient familial" (issue 14), the parent declaring a QF with an attestation CAF
  // chosen from the storage; agents get the copy attached to the request.
  // NOUVELLE DÉMARCHE (issue 17): a town form's file field, chosen in the parent's own storage
  'src/features/procedures/procedures.controller.ts',
  'src/features/procedures/procedures.service.ts',
  'src/features/quotient/quotient.controller.ts',
  'src/features/quotient/quotient.service.ts',
  // "Prélèvement automatique" (issue 15), the parent signing a SEPA mandate: its PDF copy is
  // stored in the signer's own storage. The agents' direct-debit pages do not import it.
  'src/features/direct-debit/direct-debit.service.ts',

  // "Inscrire mon enfant" (issue 16), the parent's side: the pieces an activity requires, chosen
  // from the storage (validity checked) and copied onto the request; pieces.ts also gives the
  // agents' settings the kinds' names only.
  'src/features/enrolment/enrolment.controller.ts',
  'src/features/enrolment/enrolment.service.ts',
  'src/features/enrolment/pieces.ts',
  // The dossier renewal (issue 16), the parent's side: the pieces chosen from the storage
  // (validity checked) and copied onto the request. pieces.ts gives the agents' campaign
  // form the document kinds' names only; renewal.service.ts, which the agents call, reads
  // no storage.
  'src/features/renewal/renewal.controller.ts',
  'src/features/renewal/renewal-form.ts',
  'src/features/renewal/renewal-send.ts',
  'src/features/renewal/pieces.ts',
  // The school pre-enrolment (issue 16), the parent's side, as the renewal's.
  'src/features/school-enrolment/school-enrolment.controller.ts',
  'src/features/school-enrolment/school-enrolment.service.ts',
  'src/features/school-enrolment/school-form.ts',
];

function filesUnder(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return filesUnder(rel, ext);
    return ext.test(e.name) ? [rel] : [];
  });
}

const sources = filesUnder('src', /\.ts$/).filter((f) => !f.endsWith('.test.ts'));
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

describe('the private document storage is out of the back-office’s reach', () => {
  it('is imported only by the parent-facing features', () => {
    const importers = sources.filter((f) => {
      if (f === 'src/repositories/documents.repository.ts') return false;
      const text = read(f);
      if (/from '[^']*documents\.repository\.js'/.test(text)) return true;
      return !f.startsWith('src/features/documents/') && /from '[^']*(features\/documents\/|\.\.\/documents\/)/.test(text);
    });
    const outsideTheFeature = importers.filter((f) => !f.startsWith('src/features/documents/'));
    expect(outsideTheFeature.sort()).toEqual([...ALLOWED_IMPORTERS].sort());
    expect(importers.some((f) => f.startsWith('src/features/documents/'))).toBe(true);
  });

  it('has its tables written and read by its repository only', () => {
    const sql = sources.filter((f) => /private_document/.test(read(f)));
    // And the large town's seed (issue 20), which writes their metadata in bulk for the
    // benches: no file, and no route reaches it.
    expect(sql).toEqual(['src/db/scale-seed.ts', 'src/repositories/documents.repository.ts']);
  });

  it('has no link in any back-office view', () => {
    const views = filesUnder('views/agents', /\.ejs$/).concat(['views/partials/agent-nav.ejs']);
    for (const view of views) {
      expect(read(view), view).not.toMatch(/urls\.(documents|documentNew|documentFile|documentDelete|myData|myDataDownload)\b/);
    }
  });
});
