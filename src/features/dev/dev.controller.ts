import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findDevMail, listRecentMails } from '../../repositories/mail-outbox.repository.js';

/** The development mailbox: mails land here when SMTP_URL is unset. */
export function devController({ pool }: Pick<AppDeps, 'pool'>) {
  async function showMailbox(_req: Request, res: Response) {
    res.render('dev/mailbox', { title: 'Boîte aux lettres de développement', mails: await listRecentMails(pool) });
  }

  async function showMail(req: Request, res: Response) {
    const id = req.params.id;
    if (typeof id !== 'string' || !isUuid(id)) throw new NotFoundError();
    const mail = await findDevMail(pool, id);
    if (!mail) throw new NotFoundError();
    // Links in the text body become clickable; everything else stays escaped text.
    const parts = mail.text_body.split(/(https?:\/\/[^\s<>"]+)/g);
    res.render('dev/mail', { title: mail.subject, mail, parts });
  }

  return { showMailbox, showMail };
}
