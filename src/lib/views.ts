import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from './paths.js';
import { VIEW_LOCALS } from './view-locals.js';

type TemplateFunction = (data: object) => string;

/** 'dashboard/index.ejs' for views/dashboard/index.ejs. */
const viewName = (filename: string) => path.relative(VIEWS_DIR, filename).split(path.sep).join('/');

/** While developing, a template that reads a name its list lacks says how to fix it. */
function withListHint(fn: TemplateFunction): TemplateFunction {
  return (data) => {
    try {
      return fn(data);
    } catch (err) {
      if (err instanceof ReferenceError) {
        err.message +=
          ' (a name this template reads is missing from src/lib/view-locals.ts: sh scripts/node24.sh npx tsx scripts/view-locals.ts --write)';
      }
      throw err;
    }
  };
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
 * Anything else (the mails, which src/lib/mailer.ts renders with its own escaping; a template
 * missing from the list) is cached as it comes, as EJS's own cache does. With `watch`, outside
 * production, a template edited on disk is compiled again at its next use.
 */
class ViewCache {
  watch = false;
  private readonly pages = new Map<string, { fn: TemplateFunction; mtimeMs: number }>();
  private readonly others = new Map<string, TemplateFunction>();

  get(filename: string): TemplateFunction | undefined {
    const names = VIEW_LOCALS[viewName(filename)];
    if (!names) return this.others.get(filename);
    const cached = this.pages.get(filename);
    const mtimeMs = this.watch || !cached ? fs.statSync(filename).mtimeMs : cached.mtimeMs;
    if (cached && cached.mtimeMs === mtimeMs) return cached.fn;
    const fn = ejs.compile(fs.readFileSync(filename, 'utf8').replace(/^\uFEFF/, ''), {
      filename,
      cache: true,
      views: [VIEWS_DIR],
      async: false,
      _with: false,
      destructuredLocals: [...names],
    }) as TemplateFunction;
    const checked = this.watch ? withListHint(fn) : fn;
    this.pages.set(filename, { fn: checked, mtimeMs });
    return checked;
  }

  set(filename: string, fn: TemplateFunction): void {
    // A page template missing from the list (one just created) is compiled afresh each time
    // while watching, as EJS does without a cache.
    if (this.watch && !viewName(filename).startsWith('..') && !viewName(filename).startsWith('emails/')) return;
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
