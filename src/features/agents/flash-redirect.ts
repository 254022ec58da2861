import type { Request, Response } from 'express';

type Flash = NonNullable<Request['session']['flash']>;

/**
 * Sets the one-shot message, stores the session, then answers 303. express-session saves a
 * modified session from res.end but sends the headers first: a browser follows the 303 at
 * once and may load the next page before the message is stored (seen in Chromium under
 * load). Saving before redirecting closes that window.
 */
export async function flashAndRedirect(req: Request, res: Response, flash: Flash, url: string): Promise<void> {
  req.session.flash = flash;
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err as Error) : resolve())));
  res.redirect(303, url);
}
