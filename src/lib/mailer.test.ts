import { describe, expect, it } from 'vitest';
import type { Queryable } from '../db/pool.js';
import { enqueueMail } from './mailer.js';

/** Captures the outbox insert instead of running it. */
function fakeDb() {
  const inserted: { text: string; html: string }[] = [];
  const db = {
    query: async (_sql: string, params: unknown[]) => {
      inserted.push({ text: params[4] as string, html: params[5] as string });
      return { rows: [{ id: String(inserted.length) }] };
    },
  } as unknown as Queryable;
  return { db, inserted };
}

describe('enqueueMail with compiled templates cached', () => {
  it('keeps each part its own escaping, however often and in whatever order it renders', async () => {
    const { db, inserted } = fakeDb();
    const mail = (n: number) => ({
      townId: null,
      to: 'parent@example.fr',
      template: 'notification',
      subject: `Essai ${n}`,
      data: { townName: 'Tarnos', greeting: `Bonjour <Mme> "${n}" & co`, paragraphs: [`Repas <b>${n}</b>`], link: null },
    });
    for (let n = 1; n <= 3; n++) await enqueueMail(db, mail(n));
    for (const [i, part] of inserted.entries()) {
      const n = i + 1;
      expect(part.text).toContain(`Bonjour <Mme> "${n}" & co`);
      expect(part.text).toContain(`Repas <b>${n}</b>`);
      expect(part.html).toContain(`Bonjour &lt;Mme&gt; &#34;${n}&#34; &amp; co`);
      expect(part.html).not.toContain('<b>');
    }
  });
});
