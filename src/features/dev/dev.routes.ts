import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findDevMail, listRecentMails } from '../../repositories/mail-outbox.repository.js';

/**
 * Development only (never mounted in production): the local mailbox, where mails land
 * when SMTP_URL is unset, so a newcomer can click an activation link.
 */
export function devRouter({ pool }: AppDeps): Router {
  const router = Router();
  router.get('/_dev/mail', async (_req, res) => {
    const rows = await listRecentMails(pool);
    res.render('dev/mailbox', { title: 'Boîte aux lettres de développement', mails: rows });
  });
  router.get('/_dev/mail/:id', async (req, res) => {
    if (!isUuid(req.params.id)) throw new NotFoundError();
    const mail = await findDevMail(pool, req.params.id);
    if (!mail) throw new NotFoundError();
    // Links in the text body become clickable; everything else stays escaped text.
    const parts = mail.text_body.split(/(https?:\/\/[^\s<>"]+)/g);
    res.render('dev/mail', { title: mail.subject, mail, parts });
  });
  return router;
}
