/**
 * Every URL the app builds, in one place: views, redirects and mails call these rather
 * than writing paths by hand.
 */
const t = (town: string | { slug: string }) => `/${typeof town === 'string' ? town : town.slug}`;

export const urls = {
  root: () => '/',
  townHome: (town: string | { slug: string }) => `${t(town)}/`,
  townTheme: (town: string | { slug: string }) => `${t(town)}/theme.css`,
  mentionsLegales: (town: string | { slug: string }) => `${t(town)}/mentions-legales`,
  cgu: (town: string | { slug: string }) => `${t(town)}/cgu`,
  accessibilite: (town: string | { slug: string }) => `${t(town)}/accessibilite`,
  signIn: (town: string | { slug: string }) => `${t(town)}/connexion`,
  forgotPassword: (town: string | { slug: string }) => `${t(town)}/mot-de-passe-oublie`,
  signupStart: (town: string | { slug: string }) => `${t(town)}/creer-mon-espace`,
  devMail: () => '/_dev/mail',
  healthz: () => '/healthz',
  readyz: () => '/readyz',
} as const;

export type Urls = typeof urls;

/** An absolute link for a mail: built from PUBLIC_BASE_URL, never from the request's Host. */
export function absoluteUrl(publicBaseUrl: string, path: string): string {
  return new URL(path, `${publicBaseUrl}/`).toString();
}
