import * as cheerio from 'cheerio';

/**
 * Reading a rendered page as a browser (and a screen reader) would: through a real HTML
 * parser, so that an assertion names the element, the attribute and the text it checks
 * and does not depend on attribute order, line breaks or how the text was escaped.
 */

/**
 * Spaces collapsed and trimmed, as the text reads on screen. Only HTML's own white space
 * (ASCII) collapses: a no-break space in "2 Mo" is part of the text.
 */
export const squish = (s: string) => s.replace(/[ \t\n\r\f]+/g, ' ').replace(/^ | $/g, '');

const _select = ($: cheerio.CheerioAPI, selector: string) => $(selector);
/** What a selector finds: cheerio's wrapper over the elements. */
export type Elements = ReturnType<typeof _select>;
/** The little of a DOM node the text walk reads. */
interface Node {
  type: string;
  data?: string;
  children?: Node[];
}

export interface Link {
  href: string;
  text: string;
}

export interface TableRow {
  /** The row's header cell (`th scope="row"`), '' when it has none. */
  header: string;
  /** The text of every `td`, in order. */
  cells: string[];
  /** The row element, for attributes (colspan, classes, links…). */
  el: Elements;
}

export interface Page {
  /** The cheerio root, for anything the helpers below do not cover. */
  $: cheerio.CheerioAPI;
  /** The document's `<title>`. */
  title(): string;
  /** The page's `<h1>`. */
  heading(): string;
  /** The text under `selector` (default `main`, or the whole page when it has no `main`), tags as spaces. */
  text(selector?: string): string;
  /** The text of every element `selector` matches, in order. */
  texts(selector: string): string[];
  /** The attribute `name` of every element `selector` matches, in order. */
  attrs(selector: string, name: string): string[];
  /** The `dd` of the description list term `term` (the `dt` whose text is exactly that); throws when there is none. */
  definition(term: string): Elements;
  /** The text of the `dd` of `term`. */
  dd(term: string): string;
  /** Whether `selector` matches at least one element. */
  has(selector: string): boolean;
  /** Every element `selector` matches. */
  all(selector: string): Elements;
  /** The only element `selector` matches; throws when there is none or more than one. */
  one(selector: string): Elements;
  /** The error summary's entries, in order: `field` is the anchor's target (undefined for an entry without a link). */
  errorSummary(): { field: string | undefined; message: string }[];
  /** The message shown beside a field (the partials give it the id `<id>-error`), without the hidden "Erreur : ". */
  fieldError(id: string): string | undefined;
  /** The value an input or textarea shows ('' when it has none); throws when there is no such field. */
  fieldValue(id: string): string;
  /** The values of the checked boxes or radios named `name`. */
  checked(name: string): string[];
  /** The value of a select's selected option. */
  selected(id: string): string | undefined;
  /** The text of the label for the control `id`, visually-hidden parts included. */
  label(id: string): string;
  /** Every link (`a[href]`) under `selector` (default: the whole page). */
  links(selector?: string): Link[];
  /** The rows that have cells, of every table `selector` matches (default: all the page's tables). */
  rows(selector?: string): TableRow[];
  /** The row whose header cell reads `header`; throws when there is none. */
  row(header: string, selector?: string): TableRow;
  /** The CSRF token of the page's first form. */
  csrf(): string;
  /** The value of a hidden field `name` of the page's forms; throws when there is none. */
  hidden(name: string): string;
}

/** The text of a node, with a space between elements (`<dt>a</dt><dd>b</dd>` reads "a b"). */
function spacedText(nodes: Node[]): string {
  const parts: string[] = [];
  const walk = (node: Node) => {
    if (node.type === 'text') parts.push(node.data ?? '');
    else if (node.children) {
      parts.push(' ');
      for (const child of node.children) walk(child);
      parts.push(' ');
    }
  };
  for (const node of nodes) walk(node);
  return squish(parts.join(''));
}

/** A page from a supertest response or its HTML. */
export function page(res: { text: string } | string): Page {
  const html = typeof res === 'string' ? res : res.text;
  const $ = cheerio.load(html);
  const one = (selector: string) => {
    const found = $(selector);
    if (found.length !== 1) throw new Error(`${found.length} elements match ${selector}`);
    return found;
  };
  const definition = (term: string) => {
    const dt = $('dt')
      .toArray()
      .find((e) => squish($(e).text()) === term);
    if (!dt) throw new Error(`no term "${term}"`);
    return $(dt).next('dd');
  };
  const rows = (selector = 'table') =>
    $(selector)
      .find('tr')
      .toArray()
      .filter((tr) => $(tr).children('td').length > 0)
      .map((tr) => ({
        header: squish($(tr).children('th[scope="row"]').first().text()),
        cells: $(tr)
          .children('td')
          .toArray()
          .map((td) => squish($(td).text())),
        el: $(tr),
      }));
  return {
    $,
    title: () => squish($('title').first().text()),
    heading: () => squish(one('h1').text()),
    text: (selector) => {
      const scope = selector ? $(selector) : $('main').length ? $('main') : $.root();
      return spacedText(scope.toArray() as unknown as Node[]);
    },
    texts: (selector) =>
      $(selector)
        .toArray()
        .map((e) => squish($(e).text())),
    attrs: (selector, name) =>
      $(selector)
        .toArray()
        .map((e) => $(e).attr(name) ?? ''),
    definition: (term) => definition(term),
    dd: (term) => squish(definition(term).text()),
    has: (selector) => $(selector).length > 0,
    all: (selector) => $(selector),
    one,
    errorSummary: () =>
      $('.error-summary li')
        .toArray()
        .map((li) => {
          const a = $(li).find('a[href^="#"]').first();
          return { field: a.length ? a.attr('href')!.slice(1) : undefined, message: squish($(li).text()) };
        }),
    fieldError: (id) => {
      const p = $(`[id="${id}-error"]`);
      if (!p.length) return undefined;
      const copy = p.first().clone();
      copy.find('.visually-hidden').remove();
      return squish(copy.text());
    },
    fieldValue: (id) => {
      const field = $(`[id="${id}"]`);
      if (!field.length) throw new Error(`no field #${id}`);
      return field.is('textarea') ? field.text() : (field.attr('value') ?? '');
    },
    checked: (name) =>
      $(`input[name="${name}"]`)
        .toArray()
        .filter((i) => $(i).is('[checked]'))
        .map((i) => $(i).attr('value') ?? ''),
    selected: (id) => $(`select[id="${id}"] option[selected]`).first().attr('value'),
    label: (id) => squish($(`label[for="${id}"]`).text()),
    links: (selector) =>
      (selector ? $(selector).find('a[href]') : $('a[href]'))
        .toArray()
        .map((a) => ({ href: $(a).attr('href')!, text: squish($(a).text()) })),
    rows,
    row: (header, selector) => {
      const found = rows(selector).find((r) => r.header === header);
      if (!found) throw new Error(`no row "${header}"`);
      return found;
    },
    csrf: () => {
      const token = $('input[name="_csrf"]').first().attr('value');
      if (!token) throw new Error('no CSRF token in the page');
      return token;
    },
    hidden: (name) => {
      const value = $(`input[type="hidden"][name="${name}"]`).first().attr('value');
      if (value === undefined) throw new Error(`no hidden field ${name}`);
      return value;
    },
  };
}
