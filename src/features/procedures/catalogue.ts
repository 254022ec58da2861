import { urls, type TownRef } from '../../routes.js';
import type { TownFormVersionRow } from '../../repositories/town-forms.repository.js';

/**
 * NOUVELLE DÉMARCHE's catalogue (issue 17): the requests the portal has always had, each
 * linked to its own start page, and the town's published forms grouped by the service that
 * receives them. Pure: the controller reads the family and the forms.
 */

export interface Procedure {
  title: string;
  text: string;
  href: string;
}

export interface ProcedureGroup {
  /** The heading's id. */
  id: string;
  title: string;
  procedures: Procedure[];
}

/**
 * The built-in requests. "Signaler une absence" is about one child: one link per child, as
 * the child's page has it (none without children). Everything but the contact details
 * needs a family file the services have opened.
 */
export function builtInGroups(town: TownRef, family: { open: boolean; children: { id: string; firstNames: string }[] }): ProcedureGroup[] {
  const account: Procedure[] = [
    { title: 'Changement de coordonnées', text: "Changer d'adresse postale, de courriel ou de téléphone", href: urls.contactDetails(town) },
  ];
  if (!family.open) return [{ id: 'demarches-compte', title: 'Mon compte', procedures: account }];
  return [
    {
      id: 'demarches-famille',
      title: 'Ma famille',
      procedures: [
        ...account,
        { title: 'Ajouter un membre', text: 'Un enfant ou un adulte de votre foyer', href: urls.addMember(town) },
        {
          title: 'Déclarer mon quotient familial',
          text: 'Avec votre attestation de quotient familial',
          href: urls.quotientDeclaration(town),
        },
        {
          title: 'Renouveler le dossier de mes enfants',
          text: 'Pour la rentrée, quand une campagne est ouverte',
          href: urls.renewal(town),
        },
      ],
    },
    {
      id: 'demarches-enfants',
      title: 'Mes enfants',
      procedures: [
        {
          title: 'Inscrire mon enfant à une activité',
          text: 'Restauration, accueil périscolaire, centre de loisirs…',
          href: urls.enrolChild(town),
        },
        { title: 'Préinscription scolaire', text: 'Inscrire votre enfant dans une école de la commune', href: urls.schoolEnrolment(town) },
        ...family.children.map((c) => ({
          title: `Signaler une absence de ${c.firstNames}`,
          text: 'Avec un justificatif, pour que les jours ne soient pas facturés',
          href: urls.absenceStart(town, c.id),
        })),
      ],
    },
  ];
}

/** The published forms, one group per receiving service, services and forms in alphabetical order. */
export function formGroups(
  town: TownRef,
  versions: readonly Pick<TownFormVersionRow, 'formId' | 'title' | 'intro' | 'serviceName'>[],
): ProcedureGroup[] {
  const byService = new Map<string, Procedure[]>();
  for (const v of versions) {
    const name = v.serviceName || 'Autres démarches';
    const list = byService.get(name) ?? [];
    list.push({ title: v.title, text: firstLine(v.intro), href: urls.procedureForm(town, v.formId) });
    byService.set(name, list);
  }
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'fr'))
    .map(([title, procedures], i) => ({
      id: `service-${i + 1}`,
      title,
      procedures: procedures.sort((a, b) => a.title.localeCompare(b.title, 'fr')),
    }));
}

function firstLine(intro: string): string {
  const line = intro.split('\n')[0]?.trim() ?? '';
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
