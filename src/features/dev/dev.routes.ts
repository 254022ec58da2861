import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';

/**
 * Development only (never mounted in production): the local mailbox, where mails land
 * when SMTP_URL is unset, so a newcomer can click an activation link.
 */
export function devRouter({ pool }: AppDeps): Router {
  const router = Router();
  router.get('/_dev/mail', async (_req, res) => {
    const { rows } = await pool.query<{
      id: string;
      to_address: string;
      subject: string;
      status: string;
      created_at: Date;
      transport: string | null;
    }>(`select id, to_address, subject, status, created_at, transport from mail_outbox order by created_at desc limit 100`);
    res.render('dev/mailbox', { title: 'Boîte aux lettres de développement', mails: rows });
  });
  router.get('/_dev/mail/:id', async (req, res) => {
    if (!isUuid(req.params.id)) throw new NotFoundError();
    const { rows } = await pool.query<{ to_address: string; subject: string; text_body: string; created_at: Date }>(
      `select to_address, subject, text_body, created_at from mail_outbox where id = $1`,
      [req.params.id],
    );
    const mail = rows[0];
    if (!mail) throw new NotFoundError();
    // Links in the text body become clickable; everything else stays escaped text.
    const parts = mail.text_body.split(/(https?:\/\/[^\s<>"]+)/g);
    res.render('dev/mail', { title: mail.subject, mail, parts });
  });
  return router;
}
