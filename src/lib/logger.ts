import pino, { type Logger } from 'pino';

/** Everything that could carry a secret is redacted before it reaches a log line. */
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.motDePasse',
  '*.passwordConfirmation',
  '*.token',
  '*._csrf',
  '*.captcha',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'espace-famille' } }, destination);
}
export type { Logger };

/** A calendar feed's token is its only credential (issue 17): a logged URL shows it masked. */
export function maskSecrets(url: string | undefined): string | undefined {
  return url?.replace(/\/agenda\/[^/?#]+\.ics/g, '/agenda/[redacted].ics');
}
