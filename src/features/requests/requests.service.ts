import { withTransaction, type Queryable } from '../../db/pool.js';
import { audit, type AuditAction, type AuditEntry } from '../../lib/audit.js';
import type { CheckedFile } from '../../lib/file-checks.js';
import { NotFoundError, TooManyRequestsError } from '../../lib/errors.js';
import { enqueueMail, type MailRequest } from '../../lib/mailer.js';
import { hit } from '../../lib/rate-limit.js';
import { findAccountById, type Account } from '../../repositories/accounts.repository.js';
import * as repo from '../../repositories/requests.repository.js';
import type { ParentScope, RequestRow, RequestType } from '../../repositories/requests.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { requestEffects } from './request-effects.js';
import { canTransition, findTransition, STATUS_LABELS, type RequestActor, type RequestStatus } from './request-state.js';
import { TYPE_LABELS } from './request-types.js';
import { de, greeting } from '../../lib/french.js';
import type { ServiceContext } from '../../deps.js';

/**
 * Requests: making one, moving it through its state machine, and the conversation on it.
 * Every transition is one transaction — the status, its history row, the type's effect on
 * the family file, the mail to the parent and, for an agent, the audit row — so none of
 * them can exist without the others.
 */

export type ParentAccount = Pick<Account, 'id' | 'familyId' | 'validationStatus' | 'civility' | 'lastName' | 'firstNames' | 'email'> &
  // The account as read for this very request (the signed-in parent's): its mail needs no second read.
  Partial<Pick<Account, 'disabledAt'>>;

/** What the parent may see: their own requests, and their family's once the account is validated. */
export function scopeOf(account: Pick<Account, 'id' | 'familyId' | 'validationStatus'>): ParentScope {
  return { accountId: account.id, familyId: account.validationStatus === 'validated' ? account.familyId : null };
}

/** An agent acting, with what the audit row needs (src/lib/audit.ts `auditActor`). */
export type AgentActing = Pick<AuditEntry, 'agentId' | 'actorLabel' | 'ip'>;

function parentLabel(a: Pick<Account, 'firstNames' | 'lastName'>): string {
  return `${a.firstNames} ${a.lastName.toUpperCase()}`;
}

// ---------------------------------------------------------------- mails

type MailKind = 'created' | 'transition' | 'answer' | 'message';

/** The mail the request's author receives, in the caller's transaction. No author left: no mail. */
async function mailAuthor(
  db: Queryable,
  ctx: ServiceContext,
  town: Town,
  request: RequestRow,
  kind: MailKind,
  to: RequestStatus,
  comment: string,
): Promise<void> {
  const mail = await authorMail(db, ctx, town, request, kind, to, comment);
  if (mail) await enqueueMail(db, mail);
}

/**
 * That mail, to be queued by the caller. `known`: the author's account as the caller read it in
 * this request (with its `disabledAt`), which saves reading it again.
 */
async function authorMail(
  db: Queryable,
  ctx: ServiceContext,
  town: Town,
  request: RequestRow,
  kind: MailKind,
  to: RequestStatus,
  comment: string,
  known?: ParentAccount,
): Promise<MailRequest | undefined> {
  if (!request.accountId) return undefined;
  const author =
    known?.id === request.accountId && known.disabledAt !== undefined ? known : await findAccountById(db, town.id, request.accountId);
  if (!author || author.disabledAt) return undefined;
  const what = `« ${request.summary} »`;
  let subject: string;
  const paragraphs: string[] = [];
  if (kind === 'created') {
    subject = to === 'accepted' ? 'Votre demande est enregistrée' : 'Votre demande a bien été envoyée';
    paragraphs.push(
      to === 'accepted'
        ? `Votre demande ${what} est enregistrée.`
        : `Votre demande ${what} a bien été transmise aux services ${de(town.name)}. Nous vous écrirons à chaque étape de son traitement.`,
    );
  } else if (kind === 'answer') {
    subject = 'Votre réponse a bien été transmise';
    paragraphs.push(
      `Votre réponse à la demande de complément sur ${what} a bien été transmise aux services. Votre demande est de nouveau en cours de traitement.`,
    );
  } else if (kind === 'message') {
    subject = 'Nouveau message des services';
    paragraphs.push(
      `Les services ${de(town.name)} vous ont écrit à propos de votre demande ${what}.`,
      'Lisez-le et répondez depuis votre espace.',
    );
  } else {
    subject = `Votre demande : ${STATUS_LABELS[to].toLowerCase()}`;
    if (to === 'in_progress') paragraphs.push(`Votre demande ${what} est en cours de traitement par les services.`);
    if (to === 'accepted') paragraphs.push(`Votre demande ${what} a été acceptée.`);
    if (to === 'refused') paragraphs.push(`Votre demande ${what} a été refusée.`, `Motif : ${comment}`);
    if (to === 'complement_requested') {
      subject = "Les services ont besoin d'un complément";
      paragraphs.push(
        `Pour traiter votre demande ${what}, les services ont besoin d'un complément :`,
        comment,
        'Répondez depuis votre espace.',
      );
    }
  }
  return {
    townId: town.id,
    to: author.email,
    template: 'notification',
    subject,
    data: {
      townName: town.name,
      greeting: greeting(author),
      paragraphs,
      link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.request(town, request.id)), label: 'Voir ma demande' },
    },
  };
}

// ---------------------------------------------------------------- making a request

/**
 * A family writes to the services a few times a month. Past these, per account and per
 * hour, a form answers 429: a script cannot fill the agents' queue, nor the database with
 * attachments (each message may carry four files of 3200 Ko).
 */
export const REQUESTS_PER_HOUR = 30;
export const MESSAGES_PER_HOUR = 30;
/**
 * Reservation VALIDERs, per family file: a family books children and activities one after
 * the other, so more than other requests, but a script booking every place at opening time
 * stops here (security.md J96).
 */
export const RESERVATIONS_PER_HOUR = 120;
const PER_HOUR = { request: REQUESTS_PER_HOUR, message: MESSAGES_PER_HOUR, reservation: RESERVATIONS_PER_HOUR } as const;

/** `who`: the account, or for reservations the family file (see RESERVATIONS_PER_HOUR). */
export async function rateLimitRequests(ctx: ServiceContext, who: string, kind: keyof typeof PER_HOUR): Promise<void> {
  const limit = await hit(ctx.pool, ctx.clock, `${kind}s:${who}`, PER_HOUR[kind], 3600);
  if (!limit.allowed) throw new TooManyRequestsError(limit.retryAfterSeconds);
}

export interface NewRequestInput {
  type: RequestType;
  summary: string;
  payload: Record<string, unknown>;
  childId?: string | null;
  /** The family's first words to the services, if any. */
  message?: string;
  /** Files sent with the first message (an absence's justificatifs): it needs a message. */
  files?: CheckedFile[];
  /** 'sent' (the default) waits for the services; 'accepted' records what needed nobody (actor 'system'). */
  status?: 'sent' | 'accepted';
  actor?: Extract<RequestActor, 'parent' | 'system'>;
}

/**
 * Makes a request of the parent, inside the caller's transaction: the row, its first
 * history line, the first message, and the acknowledgement mail. The family is the
 * account's file when the account is validated; otherwise the request is the account's
 * alone (a change of contact details made while waiting for validation). With `mails`, the
 * acknowledgement is added to it for the caller to queue with its own (`enqueueMails`).
 */
export async function createRequest(
  db: Queryable,
  ctx: ServiceContext,
  town: Town,
  author: ParentAccount,
  input: NewRequestInput,
  mails?: MailRequest[],
): Promise<RequestRow> {
  const status = input.status ?? 'sent';
  const actor = input.actor ?? 'parent';
  if (!canTransition(null, status, actor)) throw new Error(`a ${actor} cannot create a request as ${status}`);
  const now = ctx.clock.now();
  const request = await repo.insertRequestWithEvent(
    db,
    {
      townId: town.id,
      familyId: scopeOf(author).familyId,
      accountId: author.id,
      childId: input.childId ?? null,
      type: input.type,
      status,
      summary: input.summary.slice(0, 200),
      payload: input.payload,
      now,
    },
    {
      actor,
      accountId: actor === 'parent' ? author.id : null,
      agentId: null,
      actorLabel: actor === 'parent' ? parentLabel(author) : 'Espace Famille',
      comment: '',
    },
  );
  const files = input.files ?? [];
  if (files.length > 0 && !input.message?.trim()) throw new Error('files are sent with a message');
  if (input.message?.trim()) {
    await addMessage(db, town, request.id, byParent(author), input.message.trim(), files, now);
  }
  const mail = await authorMail(db, ctx, town, request, 'created', status, '', author);
  if (mail && mails) mails.push(mail);
  else if (mail) await enqueueMail(db, mail);
  return request;
}

// ---------------------------------------------------------------- the parent's side

export interface RequestView {
  request: RequestRow;
  events: repo.RequestEvent[];
  messages: repo.RequestMessage[];
}

/** The request as its family sees it; opening it marks the services' messages read. */
export async function openForParent(ctx: ServiceContext, town: Town, account: ParentAccount, requestId: string): Promise<RequestView> {
  const request = await repo.findRequestForParent(ctx.pool, town.id, scopeOf(account), requestId);
  if (!request) throw new NotFoundError('request');
  const [events, messages] = await Promise.all([
    repo.listEvents(ctx.pool, town.id, request.id),
    repo.listMessages(ctx.pool, town.id, request.id),
  ]);
  if (messages.some((m) => m.author === 'agent' && !m.readAt)) {
    await repo.markAgentMessagesRead(ctx.pool, town.id, request.id, ctx.clock.now());
  }
  return { request, events, messages };
}

type MessageAuthor = Pick<repo.NewMessage, 'author' | 'accountId' | 'agentId' | 'authorLabel'>;

const byParent = (account: ParentAccount): MessageAuthor => ({
  author: 'parent',
  accountId: account.id,
  agentId: null,
  authorLabel: parentLabel(account),
});

/** A message on a request, by the parent or an agent, with its files in the order sent. */
async function addMessage(db: Queryable, town: Town, requestId: string, by: MessageAuthor, body: string, files: CheckedFile[], now: Date) {
  const messageId = await repo.insertMessage(db, { townId: town.id, requestId, ...by, body, now });
  await storeAttachments(db, town, requestId, messageId, files, now);
}

async function storeAttachments(db: Queryable, town: Town, requestId: string, messageId: string, files: CheckedFile[], now: Date) {
  let position = 0;
  for (const f of files) {
    position += 1;
    await repo.insertAttachment(db, {
      townId: town.id,
      requestId,
      messageId,
      position,
      fileName: f.name,
      contentType: f.mime,
      size: f.size,
      sha256: f.sha256,
      content: f.buffer,
      now,
    });
  }
}

export type ParentMessageResult = { kind: 'message' } | { kind: 'answer' };

/**
 * The parent writes on a request. While the services wait for a complement, the message
 * is the answer: the request goes back in hand (a transition, with its history and mail).
 */
export async function postParentMessage(
  ctx: ServiceContext,
  town: Town,
  account: ParentAccount,
  requestId: string,
  body: string,
  files: CheckedFile[] = [],
): Promise<ParentMessageResult> {
  return withTransaction(ctx.pool, async (db) => {
    const found = await repo.findRequestForParent(db, town.id, scopeOf(account), requestId);
    if (!found) throw new NotFoundError('request');
    const request = (await repo.lockRequest(db, town.id, found.id))!;
    const now = ctx.clock.now();
    await addMessage(db, town, request.id, byParent(account), body, files, now);
    if (request.status === 'complement_requested' && canTransition('complement_requested', 'in_progress', 'parent')) {
      await repo.updateRequestStatus(db, town.id, request.id, { status: 'in_progress', agentId: null, now });
      await repo.insertEvent(db, {
        townId: town.id,
        requestId: request.id,
        from: 'complement_requested',
        to: 'in_progress',
        actor: 'parent',
        accountId: account.id,
        agentId: null,
        actorLabel: parentLabel(account),
        comment: body.length > 500 ? `${body.slice(0, 497)}…` : body,
        now,
      });
      await mailAuthor(db, ctx, town, request, 'answer', 'in_progress', body);
      return { kind: 'answer' } as const;
    }
    await repo.touchRequest(db, town.id, request.id, now);
    return { kind: 'message' } as const;
  });
}

// ---------------------------------------------------------------- the agents' side

export type TransitionResult =
  { ok: true; request: RequestRow } | { ok: false; problem: 'not_allowed' | 'comment_required' | 'effect'; message: string };

const AUDIT_OF: Partial<Record<RequestStatus, AuditAction>> = {
  in_progress: 'request.take',
  accepted: 'request.accept',
  refused: 'request.refuse',
  complement_requested: 'request.complement',
};

/**
 * An agent moves a request. The row is locked first: of two agents clicking at once, the
 * second sees the first's status and gets "not allowed" rather than a double decision.
 */
export async function agentTransition(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  requestId: string,
  to: RequestStatus,
  comment: string,
  decision?: Record<string, unknown>,
): Promise<TransitionResult> {
  return withTransaction(ctx.pool, (db) => agentTransitionIn(db, ctx, town, acting, requestId, to, comment, decision));
}

/** The same in the caller's transaction: an allocation decides many requests in one (src/features/enrolment). */
export async function agentTransitionIn(
  db: Queryable,
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  requestId: string,
  to: RequestStatus,
  comment: string,
  decision?: Record<string, unknown>,
): Promise<TransitionResult> {
  const request = await repo.lockRequest(db, town.id, requestId);
  if (!request) throw new NotFoundError('request');
  const transition = findTransition(request.status, to, 'agent');
  if (!transition) {
    return {
      ok: false,
      problem: 'not_allowed',
      message: `Cette demande est « ${STATUS_LABELS[request.status]} » : elle ne peut plus passer à « ${STATUS_LABELS[to]} ». La page a été mise à jour.`,
    } as const;
  }
  const text = comment.trim();
  if (transition.commentRequired && !text) {
    return {
      ok: false,
      problem: 'comment_required',
      message: to === 'refused' ? 'Saisissez le motif du refus' : 'Saisissez le complément demandé à la famille',
    } as const;
  }
  const now = ctx.clock.now();
  const effects = requestEffects(ctx)[request.type];
  const effect = to === 'accepted' ? effects.onAccept : to === 'refused' ? effects.onRefuse : undefined;
  let outcome: Record<string, unknown> | undefined;
  if (effect) {
    const result = await effect({ db, town, request, now, acting, ...(decision ? { decision } : {}) });
    if (!result.ok) return { ok: false, problem: 'effect', message: result.message } as const;
    outcome = result.outcome;
  }
  await repo.updateRequestStatus(db, town.id, request.id, { status: to, agentId: acting.agentId, outcome, now });
  await repo.insertEvent(db, {
    townId: town.id,
    requestId: request.id,
    from: request.status,
    to,
    actor: 'agent',
    accountId: null,
    agentId: acting.agentId,
    actorLabel: acting.actorLabel,
    comment: text,
    now,
  });
  // The question is also the first line of the conversation the family answers in.
  if (to === 'complement_requested') {
    await repo.insertMessage(db, {
      townId: town.id,
      requestId: request.id,
      author: 'agent',
      accountId: null,
      agentId: acting.agentId,
      authorLabel: acting.actorLabel,
      body: text,
      now,
    });
  }
  await mailAuthor(db, ctx, town, request, 'transition', to, text);
  await audit(db, {
    ...acting,
    townId: town.id,
    action: AUDIT_OF[to] ?? 'request.take',
    targetType: 'request',
    targetId: request.id,
    details: {
      type: request.type,
      from: request.status,
      to,
      ...(outcome ? { outcome } : {}),
      ...(to === 'refused' ? { reason: text } : {}),
    },
    at: now,
  });
  return { ok: true, request: { ...request, status: to } } as const;
}

/** An agent writes to the family on a request: the message, its files, a mail, the audit row. */
export async function postAgentMessage(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  requestId: string,
  body: string,
  files: CheckedFile[] = [],
): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    const request = await repo.lockRequest(db, town.id, requestId);
    if (!request) throw new NotFoundError('request');
    const now = ctx.clock.now();
    await addMessage(
      db,
      town,
      request.id,
      { author: 'agent', accountId: null, agentId: acting.agentId, authorLabel: acting.actorLabel },
      body,
      files,
      now,
    );
    await repo.touchRequest(db, town.id, request.id, now);
    await mailAuthor(db, ctx, town, request, 'message', request.status, '');
    await audit(db, {
      ...acting,
      townId: town.id,
      action: 'request.message',
      targetType: 'request',
      targetId: request.id,
      details: { type: request.type, files: files.length },
      at: now,
    });
  });
}

export { TYPE_LABELS };
