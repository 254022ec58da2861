import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from './paths.js';
import { VIEW_LOCALS } from './view-locals.js';

type TemplateFunction = (data: object) => string;

/** 'dashboard/index.ejs' for views/dashboard/index.ejs. */
const viewName = (filename: string) => path.relative(VIEWS_DIR, filename).split(path.sep).join('/');

/** What view-locals.ts records of a template's text, to know its list still describes it. */
export function templateSha(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * How a page template is compiled: without `with`, its names declared from its list, when the
 * list was written from this very text; otherwise (a template created or changed since, until
 * `scripts/view-locals.ts --write` runs again, which src/lib/view-locals.test.ts demands) as
 * EJS does by default, with `with`: slower, never wrong.
 */
export function compileOptionsFor(name: string, text: string): ejs.Options {
  const entry = VIEW_LOCALS[name];
  if (!entry || entry.sha !== templateSha(text)) return {};
  return { _with: false, destructuredLocals: [...entry.names] };
}

/**
 * EJS's cache of compiled templates, keyed by file name, which `ejs.renderFile` and every
 * `include()` consult first. A page template is compiled here, once per file, **without EJS's
 * `with (locals)` block**: its names are declared from the locals at the top of the compiled
 * function instead (`destructuredLocals`, the file's own list in `view-locals.ts`), which halves
 * the time a page spends rendering (docs/performance.md, "EJS"). It has to be done here rather
 * than in the render options: an `include()` compiles the partial with its includer's options,
 * so the partial would get the includer's list, not its own.
 *
 * The mails (src/lib/mailer.ts renders them with its own escaping) are cached as they come, as
 * EJS's own cache does. With `watch`, outside production, a template edited on disk is compiled
 * again at its next use (see compileOptionsFor: its list no longer applies).
 */
class ViewCache {
  watch = false;
  private readonly pages = new Map<string, { fn: TemplateFunction; mtimeMs: number }>();
  private readonly others = new Map<string, TemplateFunction>();

  get(filename: string): TemplateFunction | undefined {
    const name = viewName(filename);
    if (name.startsWith('..') || name.startsWith('emails/')) return this.others.get(filename);
    const cached = this.pages.get(filename);
    const mtimeMs = this.watch || !cached ? fs.statSync(filename).mtimeMs : cached.mtimeMs;
    if (cached && cached.mtimeMs === mtimeMs) return cached.fn;
    const text = fs.readFileSync(filename, 'utf8').replace(/^\uFEFF/, '');
    const fn = ejs.compile(text, {
      filename,
      cache: true,
      views: [VIEWS_DIR],
      async: false,
      ...compileOptionsFor(name, text),
    }) as TemplateFunction;
    this.pages.set(filename, { fn, mtimeMs });
    return fn;
  }

  set(filename: string, fn: TemplateFunction): void {
    this.others.set(filename, fn);
  }

  remove(filename: string): void {
    this.pages.delete(filename);
    this.others.delete(filename);
  }

  reset(): void {
    this.pages.clear();
    this.others.clear();
  }
}

const viewCache = new ViewCache();
ejs.cache = viewCache as unknown as typeof ejs.cache;

/**
 * Express view engine: renders the page, then wraps it in `layouts/main` unless the page
 * sets `layout: false`. The layout holds what every page shares (skip link, header, error
 * summary, footer), so a page only writes its own `<main>` content. Without `cache` (outside
 * production), templates edited on disk are picked up at the next render.
 */
export function layoutEngine(cache: boolean) {
  if (!cache) viewCache.watch = true;
  const layoutFile = path.join(VIEWS_DIR, 'layouts', 'main.ejs');
  return (file: string, locals: object, callback: (err: Error | null, html?: string) => void) => {
    const options = locals as Record<string, unknown>;
    const renderOptions = { cache: true, views: [VIEWS_DIR], async: false as const };
    try {
      const body = ejs.renderFile(file, options, renderOptions) as unknown as Promise<string> | string;
      Promise.resolve(body)
        .then((html) => {
          if (options.layout === false) return html;
          return ejs.renderFile(layoutFile, { ...options, body: html }, renderOptions) as unknown as Promise<string> | string;
        })
        .then(
          (html) => callback(null, html),
          (err: Error) => callback(err),
        );
    } catch (err) {
      callback(err as Error);
    }
  };
}
