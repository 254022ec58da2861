import { withTransaction } from '../../db/pool.js';
import { audit } from '../../lib/audit.js';
import { parisDay } from '../../lib/calendar/index.js';
import { sanitiseFileName } from '../../lib/file-checks.js';
import { hit, type RateLimitResult } from '../../lib/rate-limit.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as exportRepo from '../../repositories/data-export.repository.js';
import { findFileContent, listDocuments } from '../../repositories/documents.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { kindLabel } from '../documents/documents.schemas.js';
import { ownerOf } from '../documents/documents.service.js';
import { de } from '../../lib/french.js';
import type { ServiceContext } from '../../deps.js';

/** A ZIP holds every file of the account: a few a day is plenty. */
export const EXPORT_RATE_LIMIT = { count: 5, windowSeconds: 3600 } as const;

export function exportRateLimit(ctx: Pick<ServiceContext, 'pool' | 'clock'>, account: Account): Promise<RateLimitResult> {
  return hit(ctx.pool, ctx.clock, `data-export:${account.townId}:${account.id}`, EXPORT_RATE_LIMIT.count, EXPORT_RATE_LIMIT.windowSeconds);
}

/** A file to put in the archive, read from the database only when the archive gets to it. */
export interface ExportFile {
  path: string;
  load: () => Promise<Buffer | undefined>;
}

export interface ExportPlan {
  fileName: string;
  json: Record<string, unknown>;
  readme: string;
  files: ExportFile[];
  at: Date;
}

/** A path segment a ZIP and every file system accept: no separators, no reserved characters. */
function segment(value: string, fallback: string): string {
  const clean = sanitiseFileName(value.replace(/[/\\]/g, '-'), 'txt')
    .replace(/[<>:"|?*]/g, '_')
    .slice(0, 80)
    .trim();
  return clean && !/^document\.txt$/.test(clean) ? clean : fallback;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Everything the account may see, read in one snapshot (REPEATABLE READ), plus an audit
 * row in the same transaction. Files are not read here: each is loaded, still filtered on
 * the owner, while the ZIP streams, so memory holds one file at a time.
 */
export async function planExport(
  ctx: Pick<ServiceContext, 'pool' | 'clock'>,
  town: Town,
  account: Account,
  ip: string | null,
): Promise<ExportPlan> {
  const at = ctx.clock.now();
  // Only an account the services validated and linked sees its family (issue 5).
  const familyId = account.validationStatus === 'validated' ? account.familyId : null;
  const scope: exportRepo.ExportScope = { townId: town.id, accountId: account.id, familyId };
  const owner = ownerOf(account);

  const data = await withTransaction(
    ctx.pool,
    async (db) => {
      const [accountData, family, requests, documents] = [
        await exportRepo.exportAccount(db, scope),
        await exportRepo.exportFamily(db, scope),
        await exportRepo.exportRequests(db, scope),
        await listDocuments(db, owner),
      ];
      await audit(db, {
        townId: town.id,
        agentId: null,
        actorLabel: `Parent (${account.username})`,
        action: 'account.data_export',
        targetType: 'account',
        targetId: account.id,
        ip,
        at,
      });
      return { accountData, family, requests, documents };
    },
    { isolation: 'repeatable read' },
  );

  const files: ExportFile[] = [];
  if (data.accountData.photo) {
    const photo = data.accountData.photo;
    files.push({ path: `compte/photo.${photo.type === 'image/png' ? 'png' : 'jpg'}`, load: async () => photo.content });
  }

  const documents = data.documents.map((d, i) => {
    const folder = `pieces-justificatives/${pad(i + 1)}-${segment(d.title, 'document')}`;
    return {
      id: d.id,
      qualification: kindLabel(d.kind),
      qualification_code: d.kind,
      intitule: d.title,
      numero: d.number,
      autorite_delivrance: d.issuingAuthority,
      date_delivrance: d.issuedOn,
      date_limite_validite: d.validUntil,
      ajoute_le: d.createdAt,
      fichiers: d.files.map((f) => {
        const path = `${folder}/${f.position}-${segment(f.fileName, `fichier-${f.position}`)}`;
        files.push({ path, load: async () => (await findFileContent(ctx.pool, owner, d.id, f.id))?.content });
        return { nom: f.fileName, type: f.contentType, taille_octets: f.sizeBytes, sha256: f.sha256, chemin_dans_l_archive: path };
      }),
    };
  });

  const attachmentPaths = new Map<string, string>();
  for (const ref of data.requests.attachmentRefs) {
    const path = `demandes/${ref.requestId}/${ref.id.slice(0, 8)}-${segment(ref.fileName, `piece-jointe-${ref.position}`)}`;
    attachmentPaths.set(ref.id, path);
    files.push({ path, load: () => exportRepo.requestAttachmentContent(ctx.pool, scope, ref.id) });
  }

  const json = {
    genere_le: at.toISOString(),
    commune: { nom: town.name, adresse_du_portail: `/${town.slug}` },
    compte: data.accountData.account,
    famille: data.family.family,
    adultes_du_foyer: data.family.adults,
    enfants: data.family.children,
    personnes_autorisees: data.family.authorisedPersons,
    inscriptions: data.family.enrolments,
    reservations: data.family.reservations,
    envois_de_reservations: data.family.reservationSubmissions,
    demandes: data.requests.requests,
    historique_des_demandes: data.requests.events,
    echanges: data.requests.messages,
    pieces_jointes_des_demandes: data.requests.attachments.map((a) => ({ ...a, chemin_dans_l_archive: attachmentPaths.get(String(a.id)) })),
    pieces_justificatives: documents,
  };

  const readme = [
    `Vos données – Espace Famille ${de(town.name)}`,
    `Archive créée le ${parisDay(at)}.`,
    '',
    'donnees.json : vos données au format JSON (un format ouvert, lisible par de nombreux logiciels) :',
    'votre compte, votre dossier famille (adultes du foyer, enfants, personnes autorisées, inscriptions et',
    'réservations), vos demandes avec leur historique et vos échanges avec les services, et la liste de vos',
    'pièces justificatives.',
    'compte/ : votre photo, si vous en avez donné une.',
    'pieces-justificatives/ : les fichiers de votre espace de stockage personnel, un dossier par document.',
    'demandes/ : les fichiers joints à vos demandes.',
    '',
    'Votre mot de passe et vos codes de connexion ne figurent pas dans cette archive.',
    'Elle contient des informations personnelles : conservez-la en lieu sûr.',
    '',
  ].join('\r\n');

  return { fileName: `mes-donnees-${town.slug}-${parisDay(at)}.zip`, json, readme, files, at };
}
