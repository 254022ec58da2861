import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { describe, expect, it } from 'vitest';
import { viewLocals } from '../../scripts/view-locals.js';
import { VIEWS_DIR } from './paths.js';
import { VIEW_LOCALS } from './view-locals.js';
import { compileOptionsFor, layoutEngine } from './views.js';

function render(file: string, locals: object): Promise<string> {
  const engine = layoutEngine(true);
  return new Promise((resolve, reject) => engine(file, locals, (err, html) => (err ? reject(err) : resolve(html!))));
}

describe('the page templates compiled without `with`', () => {
  it('every template reads only the names its list in src/lib/view-locals.ts declares', () => {
    // Fails when a template reads a new local: run `npm run views:locals`.
    expect(viewLocals()).toEqual(VIEW_LOCALS);
  });

  it('compiles a template changed since its list was written with `with`, as EJS does by default: slower, never wrong', () => {
    const file = path.join(VIEWS_DIR, 'partials', 'form', 'input.ejs');
    const text = fs.readFileSync(file, 'utf8');
    expect(compileOptionsFor('partials/form/input.ejs', text)).toMatchObject({
      _with: false,
      destructuredLocals: expect.arrayContaining(['fieldErrors']),
    });
    expect(compileOptionsFor('partials/form/input.ejs', `${text}<%= aNewLocal %>`)).toEqual({});
    expect(compileOptionsFor('a/template/created/since.ejs', text)).toEqual({});
  });

  it('reads the locals given, escaped, and an absent one guarded by typeof as before (absent, not an error)', async () => {
    const file = path.join(VIEWS_DIR, 'partials', 'form', 'input.ejs');
    const field = { layout: false, name: 'email', label: 'Courriel' };
    const filled = await render(file, { ...field, values: { email: 'a<b@c.fr' }, fieldErrors: { email: 'Saisissez un courriel valide.' } });
    expect(filled).toContain('value="a&lt;b@c.fr"');
    expect(filled).toContain('Saisissez un courriel valide.');
    const empty = await render(file, field);
    expect(empty).not.toContain('error-message');
    expect(empty).not.toContain('value=');
  });

  it('leaves the mails to EJS as the mailer compiles them (its own escaping, cached as it comes)', () => {
    const file = path.join(VIEWS_DIR, 'emails', 'partials', 'text-bottom.ejs');
    const noEscape = (s: unknown) => String(s ?? '');
    const out = ejs.render('<%= x %>', { x: '<b>' }, { escape: noEscape, filename: file + '.virtual', cache: true });
    expect(out).toBe('<b>');
    expect(ejs.cache.get(file + '.virtual')).toBeTypeOf('function');
  });
});
