import type pg from 'pg';
import { loadDemoActivities } from './demo-activities.js';
import { loadDemoBilling } from './demo-billing.js';
import { loadDemoSurvey } from './demo-survey.js';
import { loadDemoPracticalInfo } from './demo-practical-info.js';
import { loadDemoProcedures } from './demo-procedures.js';
import { loadDemoStatistics } from './demo-statistics.js';
import { withTransaction } from './pool.js';

/**
 * The four demo towns of PRODUCT.md, with what their seeds say of them. Loaded at every
 * start-up and idempotent: rows are only inserted when missing, so an agent's edits to a
 * town survive restarts.
 */
export interface DemoTown {
  slug: string;
  name: string;
  colour: string;
  schoolZone: 'A' | 'B' | 'C';
  welcomeText: string;
  passwordPolicy: { minLength: number; upper: boolean; lower: boolean; digit: boolean };
  deadlineRules: Record<string, unknown>;
  services: { name: string; address?: string; phone?: string; email?: string }[];
  news: { title: string; body: string; publishedAt: string; visibility?: 'public' | 'families' }[];
  /** Family files known to the town, with the Clé Enfance sent to them by post. */
  families: DemoFamily[];
}

export interface DemoFamily {
  cleEnfance: string;
  name: string;
  address: string;
  postalCode: string;
  city: string;
  children: { firstNames: string; birthDate: string; school: string; className: string }[];
}

function demoFamilies(postalCode: string, city: string, school: string): DemoFamily[] {
  return [
    {
      cleEnfance: `${postalCode}-MARTIN1`,
      name: 'MARTIN',
      address: '12 rue des Écoles',
      postalCode,
      city,
      children: [
        { firstNames: 'Léa', birthDate: '2017-03-14', school, className: 'CE2' },
        { firstNames: 'Hugo', birthDate: '2020-09-02', school, className: 'Moyenne section' },
      ],
    },
    {
      cleEnfance: `${postalCode}-DURAND2`,
      name: 'DURAND',
      address: '4 avenue de la Gare',
      postalCode,
      city,
      children: [{ firstNames: 'Chloé', birthDate: '2016-11-20', school, className: 'CM1' }],
    },
  ];
}

export const DEFAULT_POLICY = { minLength: 8, upper: false, lower: true, digit: true };
export const DEFAULT_DEADLINE = { kind: 'days_before', days: 15, calendar: 'calendar' };

export const CGU = `CONDITIONS GÉNÉRALES D'UTILISATION DU SERVICE EN LIGNE

Article 1 – Objet
La ville propose un guichet en ligne pour le service périscolaire contribuant à simplifier les démarches administratives des usagers. L'utilisation du Service est facultative et gratuite hors coûts de connexion. Les usagers choisissent librement les services en ligne auxquels ils souhaitent accéder de façon privilégiée et les données qu'ils souhaitent conserver dans leur compte citoyen. Toute utilisation du Service suppose la consultation et l'acceptation préalable des présentes conditions générales d'utilisation (CGU).

Article 2 – Définitions
La Collectivité : la mairie. Le Service : le guichet en ligne accessible depuis le site institutionnel de la collectivité. L'Usager : l'utilisateur du Service, quel que soit son profil.

Article 3 – Accès au Service
Le Service est accessible à tout usager disposant d'un accès à internet. L'usager crée son espace personnel au moyen d'un identifiant et d'un mot de passe qu'il s'engage à garder secrets.

Article 4 – Données personnelles
Les données recueillies sont nécessaires au traitement des démarches de l'usager. Elles sont destinées aux seuls services de la Collectivité. Conformément au règlement général sur la protection des données, l'usager dispose d'un droit d'accès, de rectification, d'effacement et de portabilité de ses données, qu'il exerce auprès des services de la Collectivité ou depuis son espace personnel (« Télécharger mes données »).

Article 5 – Espace de stockage
L'usager dispose d'un espace de stockage sécurisé pour ses pièces justificatives. Lui seul peut en consulter le contenu.

Article 6 – Engagements de l'usager
L'usager s'engage à fournir des informations exactes et à signaler tout changement de situation.

Article 7 – Modification des CGU
La Collectivité peut modifier les présentes CGU. Toute nouvelle version doit être acceptée par l'usager lors de sa connexion suivante.`;

export const mentionsLegales = (townName: string) => `MENTIONS LÉGALES

Éditeur : ${townName}.
Directeur de la publication : le maire ou le président de la collectivité.
Hébergement : l'hébergeur choisi par la collectivité.

Données personnelles : les informations saisies dans l'Espace Famille sont traitées par ${townName} pour la gestion des services à la famille (restauration scolaire, accueils périscolaires, activités). Elles sont conservées pendant la durée nécessaire à ces services. Vous pouvez exercer vos droits d'accès, de rectification et d'effacement auprès des services de la collectivité.

Accessibilité : ce service vise la conformité au référentiel général d'amélioration de l'accessibilité (RGAA 4.1).`;

export const DEMO_TOWNS: DemoTown[] = [
  {
    slug: 'bayeux',
    name: 'Ville de Bayeux et Bayeux Intercom',
    colour: '#7a1f2b',
    schoolZone: 'B',
    welcomeText:
      'Bienvenue sur le portail famille de la Ville de Bayeux et de Bayeux Intercom, cet espace est destiné à faciliter vos démarches liées à la vie scolaire et aux activités du 3 dix-huit.',
    passwordPolicy: { minLength: 8, upper: true, lower: false, digit: true },
    deadlineRules: DEFAULT_DEADLINE,
    families: demoFamilies('14400', 'Bayeux', 'École Létot'),
    services: [
      {
        name: 'Service Enseignement de Bayeux Intercom',
        address: 'Place Gauquelin-Despallières',
        phone: '02 31 51 63 00',
        email: 'enseignement@bayeux-intercom.fr',
      },
      {
        name: 'Service Sports et Jeunesse de Bayeux',
        address: 'Place Aux Pommes',
        phone: '02 31 51 60 65',
        email: '3dix-huit@mairie-bayeux.fr',
      },
    ],
    news: [
      {
        title: 'Les services en ligne sont ouverts',
        body: "Transmettez-nous vos demandes à partir des formulaires disponibles en ligne : inscription et réservation aux activités enfance, jeunesse et sport du 3 dix-huit, préinscription dans les écoles maternelles et élémentaires de Bayeux Intercom, préinscription annuelle à la garderie, à la restauration scolaire et à l'étude.",
        publishedAt: '2026-09-01T08:00:00+02:00',
      },
      // Seed 001: the item only signed-in families read (issue 17).
      {
        title: 'Bienvenue sur votre espace privé',
        body: 'Depuis votre espace privé, suivez vos démarches, réservez les activités de vos enfants, consultez et payez vos factures.\n\nVos documents justificatifs restent disponibles dans votre espace de stockage pour vos prochaines demandes.',
        publishedAt: '2026-09-01T08:05:00+02:00',
        visibility: 'families',
      },
    ],
  },
  {
    slug: 'villennes',
    name: 'Villennes-sur-Seine',
    colour: '#1d5b79',
    schoolZone: 'C',
    welcomeText:
      "Bienvenue sur l'Espace Famille de Villennes-sur-Seine : vos démarches scolaires et périscolaires, vos réservations et vos échanges avec les services de la mairie.",
    passwordPolicy: DEFAULT_POLICY,
    deadlineRules: DEFAULT_DEADLINE,
    families: demoFamilies('78670', 'Villennes-sur-Seine', 'École des Marronniers'),
    services: [
      {
        name: 'Service Relations à la Population - Communication',
        phone: '01 39 08 25 40',
        email: 'mc.filipe@ville-villennes-sur-seine.fr',
      },
      { name: 'Pôle Scolaire', phone: '01 39 08 25 67' },
    ],
    news: [
      {
        title: 'Papa et maman peuvent désormais avoir un compte chacun',
        body: 'Chaque parent peut créer son propre espace et le rattacher au même dossier famille grâce à la clé Enfance.',
        publishedAt: '2026-09-15T09:00:00+02:00',
      },
    ],
  },
  {
    slug: 'bondoufle',
    name: 'Bondoufle',
    colour: '#2e6b30',
    schoolZone: 'C',
    welcomeText:
      "L'Espace Citoyens Familles est le passage obligatoire pour vos démarches et réservations liées aux services petite enfance, enfance, jeunesse et restauration scolaire.",
    passwordPolicy: DEFAULT_POLICY,
    deadlineRules: {
      kind: 'bondoufle',
      wednesday: { days: 7, calendar: 'calendar' },
      holidaySession: { weeks: 4 },
    },
    families: demoFamilies('91070', 'Bondoufle', 'École Saint-Exupéry'),
    services: [
      { name: 'Service Petite Enfance', phone: '01 60 76 59 20' },
      { name: 'Service Enfance Jeunesse', phone: '01 69 91 46 56' },
    ],
    news: [
      {
        title: 'Réservations des mercredis',
        body: 'Les réservations des mercredis en période scolaire se font au plus tard 7 jours avant. Celles des vacances scolaires, 4 semaines avant le premier jour de la session.',
        publishedAt: '2026-10-05T09:00:00+02:00',
      },
    ],
  },
  {
    slug: 'tarnos',
    name: 'Ville de Tarnos',
    colour: '#005f73',
    schoolZone: 'A',
    welcomeText:
      'Dans cet espace sécurisé, vous pourrez saisir vos demandes de réservation de repas pour vos enfants, vérifier leur inscription aux services et activités proposés par la ville, consulter et payer les factures en ligne pour les services de la direction éducation enfance, jeunesse.',
    passwordPolicy: { minLength: 8, upper: true, lower: true, digit: true },
    deadlineRules: { kind: 'days_before', days: 15, calendar: 'calendar' },
    families: demoFamilies('40220', 'Tarnos', 'École Jean Jaurès'),
    services: [{ name: 'Direction Éducation Enfance Jeunesse' }],
    news: [
      {
        title: 'Réservation des repas',
        body: 'Les repas se réservent au plus tard 15 jours avant. Passé ce délai, signalez une absence depuis la page de votre enfant.',
        publishedAt: '2026-11-02T09:00:00+01:00',
      },
    ],
  },
];

export async function loadDemoData(pool: pg.Pool, towns: DemoTown[] = DEMO_TOWNS): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const town of towns) {
      const inserted = await client.query<{ id: string }>(
        `insert into towns (slug, name, colour, school_zone, welcome_text, password_policy, deadline_rules)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (slug) do nothing
         returning id`,
        [town.slug, town.name, town.colour, town.schoolZone, town.welcomeText, town.passwordPolicy, town.deadlineRules],
      );
      const townId = inserted.rows[0]?.id;
      if (townId) await loadTownContent(client, townId, town);
      const { rows } = await client.query<{ id: string }>(`select id from towns where slug = $1`, [town.slug]);
      await loadFamilies(client, rows[0]!.id, town.families);
      await loadDemoActivities(client, rows[0]!.id, town.slug, town.schoolZone);
      await loadDemoBilling(client, rows[0]!.id, town.slug, town.families[0]?.postalCode ?? '');
      await loadDemoSurvey(client, rows[0]!.id, town.slug);
      await loadDemoPracticalInfo(client, rows[0]!.id);
      await loadDemoProcedures(client, rows[0]!.id);
      await loadDemoStatistics(client, rows[0]!.id);
    }
  });
}

async function loadFamilies(client: pg.PoolClient, townId: string, families: DemoFamily[]): Promise<void> {
  for (const f of families) {
    const inserted = await client.query<{ id: string }>(
      `insert into families (town_id, cle_enfance, name, address_line, postal_code, city) values ($1, $2, $3, $4, $5, $6)
       on conflict (town_id, cle_enfance) do nothing returning id`,
      [townId, f.cleEnfance, f.name, f.address, f.postalCode, f.city],
    );
    const familyId = inserted.rows[0]?.id;
    if (!familyId) continue; // already there, perhaps edited by an agent since
    for (const c of f.children) {
      await client.query(
        `insert into children (town_id, family_id, first_names, last_name, birth_date, school, class_name) values ($1, $2, $3, $4, $5, $6, $7)`,
        [townId, familyId, c.firstNames, f.name, c.birthDate, c.school, c.className],
      );
    }
  }
}

/** Only a town created just now gets its demo services, texts and news. */
async function loadTownContent(client: pg.PoolClient, townId: string, town: DemoTown): Promise<void> {
  for (const [position, s] of town.services.entries()) {
    await client.query(`insert into town_services (town_id, position, name, address, phone, email) values ($1, $2, $3, $4, $5, $6)`, [
      townId,
      position,
      s.name,
      s.address ?? '',
      s.phone ?? '',
      s.email ?? '',
    ]);
  }
  await client.query(`insert into town_texts (town_id, kind, version, body) values ($1, 'cgu', 1, $2), ($1, 'mentions_legales', 1, $3)`, [
    townId,
    CGU,
    mentionsLegales(town.name),
  ]);
  for (const n of town.news) {
    await client.query(`insert into news (town_id, title, body, published_at, visibility) values ($1, $2, $3, $4, $5)`, [
      townId,
      n.title,
      n.body,
      n.publishedAt,
      n.visibility ?? 'public',
    ]);
  }
}
