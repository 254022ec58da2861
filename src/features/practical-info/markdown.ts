import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * The Markdown agents write for INFOS PRATIQUES, as HTML safe to put in a page. markdown-it
 * already escapes raw HTML (html: false) and refuses `javascript:` links; sanitize-html is the
 * second lock, on an allow-list, so that a parser's bug or a later option cannot let script,
 * event handlers, iframes, style or `data:` links through. Headings start at h2: the page's
 * own title is its h1.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const SHIFTED: Record<string, string> = { h1: 'h2', h2: 'h3', h3: 'h4', h4: 'h5', h5: 'h6', h6: 'h6' };

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], th: ['scope'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    ...Object.fromEntries(Object.entries(SHIFTED).map(([from, to]) => [from, sanitizeHtml.simpleTransform(to, {})])),
    // A link to another site must not hand it window.opener; the portal's own links stay plain.
    a: (tagName, attribs) => {
      const href = attribs.href ?? '';
      const out: sanitizeHtml.Attributes = { href };
      if (/^https?:\/\//i.test(href)) out.rel = 'noopener noreferrer';
      return { tagName, attribs: out };
    },
    th: (tagName) => ({ tagName, attribs: { scope: 'col' } }),
  },
};

export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), SANITIZE);
}
