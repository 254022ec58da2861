import type pg from 'pg';

/**
 * A satisfaction survey open in one demo town (issue 17), so that VOTRE AVIS NOUS INTÉRESSE
 * has something to answer after a fresh `npm start`. Only when the town has never had one:
 * an admin's surveys survive restarts.
 */
export async function loadDemoSurvey(client: pg.PoolClient, townId: string, slug: string): Promise<void> {
  if (slug !== 'bayeux') return;
  await client.query(
    `insert into surveys (town_id, title, intro, questions, opens_on, closes_on)
     select $1, $2, $3, $4, $5, $6 where not exists (select 1 from surveys where town_id = $1)`,
    [
      townId,
      'La restauration scolaire',
      'La commune souhaite connaître votre avis sur les repas servis aux enfants et sur les réservations en ligne. Trois questions, deux minutes.',
      [
        'Êtes-vous satisfait des repas servis ?',
        'Les réservations en ligne sont-elles simples ?',
        "L'accueil de votre enfant vous convient-il ?",
      ],
      '2026-11-01',
      '2027-06-30',
    ],
  );
}
