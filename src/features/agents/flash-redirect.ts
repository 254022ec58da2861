import type { Request, Response } from 'express';

type Flash = NonNullable<Request['session']['flash']>;

/**
 * @deprecated Write `req.session.flash = flash; res.redirect(303, url);` as every other page
 * does: the redirect itself waits for the session to be stored (`saveBeforeRedirect`,
 * src/middleware/session.ts), so there is one way to save before a redirect. Kept only while
 * the back-office routers that call it move (issue 11).
 */
export async function flashAndRedirect(req: Request, res: Response, flash: Flash, url: string): Promise<void> {
  req.session.flash = flash;
  res.redirect(303, url);
}
