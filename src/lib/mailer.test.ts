import { describe, expect, it } from 'vitest';
import { renderMail } from './mailer.js';

describe('enqueueMail with compiled templates cached', () => {
  it('keeps each part its own escaping, however often and in whatever order it renders', async () => {
    const inserted: { text: string; html: string }[] = [];
    const mail = (n: number) => ({
      townId: null,
      to: 'parent@example.fr',
      template: 'notification',
      subject: `Essai ${n}`,
      data: { townName: 'Tarnos', greeting: `Bonjour <Mme> "${n}" & co`, paragraphs: [`Repas <b>${n}</b>`], link: null },
    });
    for (let n = 1; n <= 3; n++) inserted.push(await renderMail(mail(n)));
    for (const [i, part] of inserted.entries()) {
      const n = i + 1;
      expect(part.text).toContain(`Bonjour <Mme> "${n}" & co`);
      expect(part.text).toContain(`Repas <b>${n}</b>`);
      expect(part.html).toContain(`Bonjour &lt;Mme&gt; &#34;${n}&#34; &amp; co`);
      expect(part.html).not.toContain('<b>');
    }
  });
});
