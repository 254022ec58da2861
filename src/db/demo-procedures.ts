import type pg from 'pg';

/**
 * NOUVELLE DÉMARCHE's demo form (issue 17): "Demande de rendez-vous avec le service Enfance",
 * published as version 1, received by the town's service whose name speaks of "Enfance" (its
 * first service otherwise). Only when the town has no form of that title: an admin's later
 * edits are kept.
 */
const TITLE = 'Demande de rendez-vous avec le service Enfance';
const INTRO =
  'Vous souhaitez rencontrer le service pour parler de l’accueil de votre enfant, d’un projet d’accueil individualisé ou de toute autre question ? Proposez une date : le service vous répondra pour confirmer le rendez-vous.';
const FIELDS = [
  { id: 'c1', kind: 'text', label: 'Objet du rendez-vous', help: 'En quelques mots.', required: true, options: [] },
  { id: 'c2', kind: 'date', label: 'Date souhaitée', help: '', required: true, options: [] },
  { id: 'c3', kind: 'choice', label: 'Moment de la journée', help: '', required: true, options: ['Matin', 'Après-midi', 'Fin de journée'] },
  { id: 'c4', kind: 'yes_no', label: 'Est-ce votre premier rendez-vous avec le service ?', help: '', required: true, options: [] },
  { id: 'c5', kind: 'number', label: 'Nombre d’enfants concernés', help: '', required: false, options: [] },
  {
    id: 'c6',
    kind: 'long_text',
    label: 'Précisions',
    help: 'Ce que le service doit savoir pour préparer le rendez-vous.',
    required: false,
    options: [],
  },
  { id: 'c7', kind: 'file', label: 'Document utile', help: 'Facultatif : un courrier, un certificat…', required: false, options: [] },
];

export async function loadDemoProcedures(client: pg.PoolClient, townId: string): Promise<void> {
  const exists = await client.query(`select 1 from town_forms where town_id = $1 and title = $2`, [townId, TITLE]);
  if (exists.rows.length > 0) return;
  const { rows: services } = await client.query<{ id: string; name: string }>(
    `select id, name from town_services where town_id = $1 order by (name ilike 'service enfance%') desc, (name ilike '%enfance%') desc, position, name limit 1`,
    [townId],
  );
  const service = services[0];
  if (!service) return;
  const form = await client.query<{ id: string }>(
    `insert into town_forms (town_id, service_id, title, intro, fields) values ($1, $2, $3, $4, $5::jsonb) returning id`,
    [townId, service.id, TITLE, INTRO, JSON.stringify(FIELDS)],
  );
  const formId = form.rows[0]!.id;
  const version = await client.query<{ id: string }>(
    `insert into town_form_versions (town_id, form_id, version, service_id, service_name, title, intro, fields)
     values ($1, $2, 1, $3, $4, $5, $6, $7::jsonb) returning id`,
    [townId, formId, service.id, service.name, TITLE, INTRO, JSON.stringify(FIELDS)],
  );
  await client.query(`update town_forms set published_version_id = $2 where id = $1`, [formId, version.rows[0]!.id]);
}
