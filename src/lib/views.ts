import path from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from './paths.js';

/**
 * Express view engine: renders the page, then wraps it in `layouts/main` unless the page
 * sets `layout: false`. The layout holds what every page shares (skip link, header, error
 * summary, footer), so a page only writes its own `<main>` content.
 */
export function layoutEngine(cache: boolean) {
  const layoutFile = path.join(VIEWS_DIR, 'layouts', 'main.ejs');
  return (file: string, locals: object, callback: (err: Error | null, html?: string) => void) => {
    const options = locals as Record<string, unknown>;
    const renderOptions = { cache, views: [VIEWS_DIR], async: false as const };
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
