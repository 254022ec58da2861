import type { Request, Response } from 'express';
import type { AppDeps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { idParam, param } from '../../lib/params.js';
import { requireTown, resolveTown } from '../../middleware/town.js';
import { absoluteUrl, urls } from '../../routes.js';
import * as service from './calendar-feed.service.js';

declare module 'express-session' {
  interface SessionData {
    /** A calendar address just created, shown once on the next page then forgotten (only its hash is stored). */
    calendarFeed: { childId: string; token: string };
  }
}

const owner = (req: Request): service.FeedOwner => ({ accountId: req.account!.id, familyId: req.account!.familyId! });

export function calendarFeedController(deps: AppDeps) {
  const { pool, clock, config } = deps;
  const ctx = { pool, clock };

  async function show(req: Request, res: Response) {
    const town = requireTown(req);
    const { child, feed } = await service.feedPage(ctx, town, owner(req), idParam(req, 'childId'));
    // The address can be shown only right after it was made: the table keeps its hash.
    const fresh = req.session.calendarFeed;
    let address: { https: string; webcal: string } | undefined;
    if (fresh && feed) {
      if (fresh.childId === child.id) {
        const https = absoluteUrl(config.publicBaseUrl, urls.calendarFeed(town, fresh.token));
        address = { https, webcal: https.replace(/^https?:/, 'webcal:') };
      }
      delete req.session.calendarFeed;
    }
    res.render('calendar-feed/show', { title: `Agenda sur mon téléphone – ${child.firstNames}`, child, feed, address });
  }

  async function create(req: Request, res: Response) {
    const town = requireTown(req);
    const childId = idParam(req, 'childId');
    const renewing = Boolean(await service.feedPage(ctx, town, owner(req), childId).then((p) => p.feed));
    const token = await service.createFeed(ctx, town, owner(req), childId);
    req.session.calendarFeed = { childId, token };
    req.session.flash = {
      kind: 'success',
      message: renewing ? "Une nouvelle adresse a été créée. L'ancienne ne fonctionne plus." : 'Votre adresse privée a été créée.',
    };
    res.redirect(303, urls.childCalendarFeed(town, childId));
  }

  async function revoke(req: Request, res: Response) {
    const town = requireTown(req);
    const childId = idParam(req, 'childId');
    await service.revokeFeed(ctx, town, owner(req), childId);
    req.session.flash = { kind: 'success', message: "L'adresse a été supprimée : les calendriers abonnés ne la liront plus." };
    res.redirect(303, urls.childCalendarFeed(town, childId));
  }

  /** The public feed: no session, no cookie; the town comes from the path and must be the token's. */
  async function feed(req: Request, res: Response) {
    const slug = param(req, 'town');
    const token = param(req, 'token');
    const town = /^[a-z][a-z0-9-]{1,40}$/.test(slug) ? await resolveTown(pool, slug) : undefined;
    if (!town || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw new NotFoundError('unknown calendar feed');
    const body = await service.feedCalendar(ctx, town, token, req.ip ?? '');
    res.set('Content-Type', 'text/calendar; charset=utf-8');
    res.set('Cache-Control', 'private, no-store');
    res.set('Content-Disposition', 'inline; filename="agenda.ics"');
    res.send(body);
  }

  return { show, create, revoke, feed };
}
