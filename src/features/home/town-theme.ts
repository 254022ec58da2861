/**
 * The town's colour where the CSP lets it go: a stylesheet (inline styles are forbidden) and
 * the favicon. Pure: the colour is the town's, checked when it was saved.
 */

/** The colour of public/favicon.svg, replaced by the town's. */
export const FAVICON_COLOUR = '#1f4e79';

export function themeCss(colour: string): string {
  return `:root{--town-colour:${colour};}\n`;
}

export function townFaviconSvg(template: string, colour: string): string {
  return template.replace(FAVICON_COLOUR, colour);
}
