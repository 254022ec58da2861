import { withTransaction, type Queryable } from '../../db/pool.js';
import { audit, type AuditEntry } from '../../lib/audit.js';
import { rangeWords } from '../../lib/calendar/index.js';
import { greeting } from '../../lib/french.js';
import { enqueueMails, type MailRequest } from '../../lib/mailer.js';
import { listActivities } from '../../repositories/activities.repository.js';
import * as repo from '../../repositories/group-messages.repository.js';
import { insertMessage, insertRequestWithEvent } from '../../repositories/requests.repository.js';
import { listSchools } from '../../repositories/school-sectors.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import type { ServiceContext } from '../../deps.js';

/**
 * Messages to a group of families (issue 19): "Grève du jeudi 12" to the families of an
 * activity, a site, a school or a class.
 *
 * Each family reached gets a request of type 'town_message' ("Message de la commune"), made by
 * the agent and left "Complément demandé" — waiting for the family — with the message as its
 * first line of conversation. So the message is in the family's "Échanges à lire" like any
 * message of the services, a reply is written on the request's own thread, and that reply
 * moves the request to "En cours": into the agents' queue (Demandes), where an agent answers
 * and closes it as on any request. Nothing new to read the replies: the queue, the thread, the
 * mails and the history are the requests' own (docs/messages-aux-familles.md).
 */

export interface TargetOption {
  value: string;
  label: string;
}

/** Every target of the town, as the form lists them: 'activite:<id>', 'site:<name>', 'ecole:<id>', 'classe:<schoolId>:<class>'. */
export async function targetOptions(db: Queryable, townId: string): Promise<TargetOption[]> {
  const [activities, sites, schools, classes] = await Promise.all([
    listActivities(db, townId),
    repo.listSites(db, townId),
    listSchools(db, townId),
    repo.listClasses(db, townId),
  ]);
  return [
    ...activities.map((a) => ({ value: `activite:${a.id}`, label: `Activité ${a.name}${a.site ? ` (${a.site})` : ''}` })),
    ...sites.map((s) => ({ value: `site:${s}`, label: `Site ${s}` })),
    ...schools.map((s) => ({ value: `ecole:${s.id}`, label: `École ${s.name}` })),
    ...classes.map((c) => ({ value: `classe:${c.schoolId}:${c.className}`, label: `Classe ${c.className} de l’école ${c.schoolName}` })),
  ];
}

export interface ResolvedTarget {
  target: repo.Target;
  /** "Activité Restauration scolaire (École Jules Ferry)" */
  label: string;
  value: string;
}

/** The target chosen, if it is one of the town's (another town's id, a removed one: undefined). */
export async function resolveTarget(db: Queryable, townId: string, value: string): Promise<ResolvedTarget | undefined> {
  const option = (await targetOptions(db, townId)).find((o) => o.value === value);
  if (!option) return undefined;
  const [kind, id = '', ...rest] = value.split(':');
  const target: repo.Target =
    kind === 'activite'
      ? { kind: 'activity', activityId: id }
      : kind === 'site'
        ? { kind: 'site', site: [id, ...rest].join(':') }
        : kind === 'ecole'
          ? { kind: 'school', schoolId: id }
          : { kind: 'class', schoolId: id, className: rest.join(':') };
  return { target, label: option.label, value };
}

export interface Audience {
  target: ResolvedTarget;
  dates: repo.DatesKind;
  first: string;
  last: string;
}

export function datesWords(a: Pick<Audience, 'first' | 'last'>): string {
  return rangeWords({ from: a.first, to: a.last });
}

/** "Prévisualiser les destinataires": the families the message would reach now. */
export function previewRecipients(db: Queryable, townId: string, a: Audience): Promise<repo.RecipientFamily[]> {
  return repo.findRecipients(db, townId, a.target.target, a.dates, a.first, a.last);
}

export type SendResult = { ok: true; id: string; families: number } | { ok: false; recipients: repo.RecipientFamily[] };

/**
 * Sends the message: the message row, for each family its request with the message and a mail
 * to each of its validated parents' accounts (two parents with an account each get one mail
 * each: either may answer), the recipients with their mails, and the audit row — one
 * transaction. The recipients are computed again inside it; when their number is not the one
 * the agent saw (`seen`), nothing is sent and the new list comes back to be previewed again.
 */
export async function sendGroupMessage(
  ctx: ServiceContext,
  town: Town,
  acting: Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>,
  audience: Audience,
  message: { subject: string; body: string },
  seen: number | null,
): Promise<SendResult> {
  return withTransaction(ctx.pool, async (db) => {
    const recipients = await previewRecipients(db, town.id, audience);
    if (recipients.length === 0 || recipients.length !== seen) return { ok: false, recipients } as const;
    const now = ctx.clock.now();
    const words = datesWords(audience);
    const id = await repo.insertGroupMessage(db, {
      townId: town.id,
      targetKind: audience.target.target.kind,
      targetRef: audience.target.value,
      targetLabel: audience.target.label,
      datesKind: audience.dates,
      firstDay: audience.first,
      lastDay: audience.last,
      subject: message.subject,
      body: message.body,
      agentId: acting.agentId,
      authorLabel: acting.actorLabel,
      now,
    });
    const mails: MailRequest[] = [];
    const perFamily: { family: repo.RecipientFamily; requestId: string; firstMail: number }[] = [];
    for (const family of recipients) {
      const request = await insertRequestWithEvent(
        db,
        {
          townId: town.id,
          familyId: family.familyId,
          accountId: null,
          type: 'town_message',
          status: 'complement_requested',
          summary: `Message de la commune : ${message.subject}`.slice(0, 200),
          payload: { groupMessageId: id, subject: message.subject, targetLabel: audience.target.label, datesWords: words },
          now,
        },
        {
          actor: 'agent',
          accountId: null,
          agentId: acting.agentId,
          actorLabel: acting.actorLabel,
          comment: message.body.length > 500 ? `${message.body.slice(0, 497)}…` : message.body,
        },
      );
      await insertMessage(db, {
        townId: town.id,
        requestId: request.id,
        author: 'agent',
        accountId: null,
        agentId: acting.agentId,
        authorLabel: acting.actorLabel,
        body: message.body,
        now,
      });
      perFamily.push({ family, requestId: request.id, firstMail: mails.length });
      for (const account of family.accounts) {
        mails.push({
          townId: town.id,
          to: account.email,
          template: 'notification',
          subject: message.subject,
          data: {
            townName: town.name,
            greeting: greeting(account),
            paragraphs: [
              `${words} — ${audience.target.label}.`,
              ...message.body.split(/\n{2,}/),
              'Vous pouvez répondre depuis votre espace.',
            ],
            link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.request(town, request.id)), label: 'Lire et répondre' },
          },
        });
      }
    }
    const mailIds = await enqueueMails(db, mails);
    await repo.insertRecipients(
      db,
      town.id,
      id,
      perFamily.map(({ family, requestId, firstMail }) => ({
        familyId: family.familyId,
        familyName: family.familyName,
        requestId,
        emails: family.accounts.map((a) => a.email),
        mailIds: mailIds.slice(firstMail, firstMail + family.accounts.length),
      })),
    );
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'group_message.send',
      targetType: 'group_message',
      targetId: id,
      details: { target: audience.target.label, dates: words, families: recipients.length, mails: mails.length, subject: message.subject },
      at: now,
    });
    return { ok: true, id, families: recipients.length } as const;
  });
}
