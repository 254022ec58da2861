import type pg from 'pg';
import { renderMarkdown } from '../features/practical-info/markdown.js';
import { pdfWriter } from '../lib/pdf.js';

/**
 * Two published INFOS PRATIQUES pages per demo town, under its first service. Idempotent: a
 * page whose address exists is left as an agent may have edited it.
 */
const PAGES: { slug: string; title: string; body: string }[] = [
  {
    slug: 'restauration-scolaire',
    title: 'Restauration scolaire',
    body: `# Horaires

Le restaurant scolaire accueille les enfants **chaque jour d'école**, de 11 h 45 à 13 h 30.

| Jour | Service |
| --- | --- |
| Lundi, mardi, jeudi, vendredi | 11 h 45 – 13 h 30 |
| Mercredi | Pendant l'accueil de loisirs |

# Réserver les repas

- Réservez ou annulez un repas depuis votre espace, avant la date limite.
- Un repas non réservé est facturé au tarif majoré.
- Signalez toute allergie au service : un PAI est nécessaire.

Les menus sont préparés avec une diététicienne et suivent les recommandations du
[Programme national nutrition santé](https://www.mangerbouger.fr).`,
  },
  {
    slug: 'accueil-de-loisirs',
    title: 'Accueil de loisirs',
    body: `# Horaires d'ouverture

L'accueil de loisirs est ouvert **les mercredis et pendant les vacances scolaires**, de 7 h 30 à 18 h 30.

# Règlement intérieur

1. L'inscription se fait en ligne, depuis votre espace famille.
2. Les enfants sont accueillis à partir de 3 ans et jusqu'à 11 ans.
3. Un enfant ne peut quitter l'accueil qu'avec un adulte autorisé dans son dossier.
4. Toute absence doit être signalée au plus tôt ; une absence non justifiée est facturée.

*Le règlement complet est disponible à l'accueil du service.*`,
  },
];

export async function loadDemoPracticalInfo(client: pg.PoolClient, townId: string): Promise<void> {
  const { rows } = await client.query<{ id: string }>(`select id from town_services where town_id = $1 order by position, name limit 1`, [
    townId,
  ]);
  const serviceId = rows[0]?.id;
  if (!serviceId) return;
  for (const p of PAGES) {
    const inserted = await client.query<{ id: string }>(
      `insert into practical_pages (town_id, service_id, slug, title, body_markdown, body_html, published_at)
       values ($1, $2, $3, $4, $5, $6, now())
       on conflict (town_id, slug) do nothing returning id`,
      [townId, serviceId, p.slug, p.title, p.body, renderMarkdown(p.body)],
    );
    const pageId = inserted.rows[0]?.id;
    if (pageId && p.slug === 'restauration-scolaire') {
      const content = await menuPdf();
      await client.query(
        `insert into practical_page_files (town_id, page_id, file_name, content_type, size_bytes, content)
         values ($1, $2, 'Menus de décembre.pdf', 'application/pdf', $3, $4)`,
        [townId, pageId, content.length, content],
      );
    }
  }
}

/** A week's menu, drawn with the documents' own PDF writer (tagged, DejaVu). */
async function menuPdf(): Promise<Buffer> {
  const pdf = pdfWriter({
    title: 'Menus de décembre',
    author: 'Restauration scolaire',
    subject: 'Menus',
    createdAt: new Date('2026-11-25T09:00:00Z'),
  });
  pdf.heading('H1', 'Menus de la semaine du 7 décembre');
  pdf.table(
    [
      { header: 'Jour', width: 100 },
      { header: 'Menu', width: '*' },
    ],
    [
      ['Lundi', 'Carottes râpées, poisson meunière, riz, yaourt'],
      ['Mardi', 'Potage de légumes, lasagnes, salade verte, pomme'],
      ['Jeudi', 'Repas de Noël : velouté, dinde aux marrons, bûche'],
      ['Vendredi', 'Betteraves, omelette, haricots verts, fromage blanc'],
    ],
  );
  return pdf.finish();
}
