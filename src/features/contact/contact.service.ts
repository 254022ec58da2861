import { withTransaction, type Queryable } from '../../db/pool.js';
import { mayMail } from '../../lib/mail-limits.js';
import { enqueueMail } from '../../lib/mailer.js';
import { verifyPassword } from '../../lib/passwords.js';
import { hit } from '../../lib/rate-limit.js';
import { hashToken, newToken } from '../../lib/tokens.js';
import * as contact from '../../repositories/account-contact.repository.js';
import type { AddressFields, PhoneFields } from '../../repositories/accounts.repository.js';
import * as accounts from '../../repositories/accounts.repository.js';
import type { Account } from '../../repositories/accounts.repository.js';
import type { Town } from '../../repositories/towns.repository.js';
import { absoluteUrl, urls } from '../../routes.js';
import { normaliseEmail } from '../../lib/zod-fields.js';
import type { Change } from '../requests/request-types.js';
import { createRequest } from '../requests/requests.service.js';
import { de, greeting } from '../../lib/french.js';
import type { ServiceContext } from '../../deps.js';

/**
 * Coordonnées (seed 004): "Changement d'adresses postales", "Changement de courriels",
 * "Changement de téléphones". The account changes at once and the services receive a
 * request to acknowledge, so the family file follows. A new email address is used only
 * once its owner follows the link sent to it; the old address is told.
 */

/** D2 in security.md: an email-change link lives 30 minutes; asking again sends a new one. */
export const EMAIL_CHANGE_TTL_MS = 30 * 60 * 1000;

function changesOf(labels: Record<string, string>, before: Record<string, string>, after: Record<string, string>): Change[] {
  return Object.keys(labels)
    .filter((k) => (before[k] ?? '') !== (after[k] ?? ''))
    .map((k) => ({ field: k, label: labels[k]!, before: before[k] ?? '', after: after[k] ?? '' }));
}

// ---------------------------------------------------------------- postal address

const ADDRESS_LABELS: Record<keyof AddressFields, string> = {
  addressNumber: 'Numéro',
  addressStreet: 'Nom de la voie',
  addressBuilding: 'Bâtiment',
  addressApartment: 'Appartement',
  addressComplement: 'Complément',
  postalCode: 'Code postal',
  city: 'Ville',
  country: 'Pays',
};

function addressOf(a: AddressFields): AddressFields {
  return {
    addressNumber: a.addressNumber,
    addressStreet: a.addressStreet,
    addressBuilding: a.addressBuilding,
    addressApartment: a.addressApartment,
    addressComplement: a.addressComplement,
    postalCode: a.postalCode,
    city: a.city,
    country: a.country,
  };
}

export type ChangeResult = { kind: 'unchanged' } | { kind: 'sent'; requestId: string };

export async function changeAddress(ctx: ServiceContext, town: Town, account: Account, address: AddressFields): Promise<ChangeResult> {
  const before = addressOf(account);
  const after = addressOf(address);
  const changes = changesOf(ADDRESS_LABELS, before as unknown as Record<string, string>, after as unknown as Record<string, string>);
  if (changes.length === 0) return { kind: 'unchanged' };
  return withTransaction(ctx.pool, async (db) => {
    await contact.updateAccountAddress(db, town.id, account.id, after, ctx.clock.now());
    const line = [
      after.addressNumber,
      after.addressStreet,
      after.addressBuilding && `Bâtiment ${after.addressBuilding}`,
      after.addressApartment && `Appartement ${after.addressApartment}`,
      after.addressComplement,
    ]
      .filter(Boolean)
      .join(', ');
    const request = await createRequest(db, ctx, town, account, {
      type: 'contact_change',
      summary: "Changement d'adresse postale",
      payload: { kind: 'address', changes, address: { line, postalCode: after.postalCode, city: after.city } },
    });
    return { kind: 'sent', requestId: request.id } as const;
  });
}

// ---------------------------------------------------------------- phones

const PHONE_LABELS: Record<keyof PhoneFields, string> = {
  phone: 'Téléphone',
  mobile: 'Mobile',
  fax: 'Fax',
  preferredContact: 'Moyen de contact préféré',
};
const MEANS: Record<string, string> = { courriel: 'Courriel', telephone: 'Téléphone', mobile: 'Mobile', fax: 'Fax' };

export async function changePhones(ctx: ServiceContext, town: Town, account: Account, phones: PhoneFields): Promise<ChangeResult> {
  const shown = (p: PhoneFields) => ({
    phone: p.phone,
    mobile: p.mobile,
    fax: p.fax,
    preferredContact: MEANS[p.preferredContact] ?? p.preferredContact,
  });
  const changes = changesOf(PHONE_LABELS, shown(account), shown(phones));
  if (changes.length === 0) return { kind: 'unchanged' };
  return withTransaction(ctx.pool, async (db) => {
    await contact.updateAccountPhones(db, town.id, account.id, phones, ctx.clock.now());
    const request = await createRequest(db, ctx, town, account, {
      type: 'contact_change',
      summary: 'Changement de téléphones',
      // The family file keeps one number per adult: the mobile, else the landline.
      payload: { kind: 'phones', changes, phone: phones.mobile || phones.phone },
    });
    return { kind: 'sent', requestId: request.id } as const;
  });
}

// ---------------------------------------------------------------- email

export type EmailChangeResult =
  { kind: 'sent'; email: string } | { kind: 'same' } | { kind: 'wrong_password' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * Asks for a new address: the current password proves it is the owner at the keyboard
 * (security.md case 56). The link goes to the new address, a notice to the old one. An
 * address already used by another account of the town gets a mail saying so instead of a
 * link, and the page says the same as for any address (no enumeration).
 */
export async function requestEmailChange(
  ctx: ServiceContext,
  town: Town,
  account: Account,
  newEmail: string,
  password: string,
): Promise<EmailChangeResult> {
  const email = normaliseEmail(newEmail);
  const limit = await hit(ctx.pool, ctx.clock, `email-change:${account.id}`, 5, 3600);
  if (!limit.allowed) return { kind: 'rate_limited', retryAfterSeconds: limit.retryAfterSeconds };
  if (!(await verifyPassword(account.passwordHash, password))) return { kind: 'wrong_password' };
  if (email === account.email) return { kind: 'same' };
  await withTransaction(ctx.pool, async (db) => {
    const now = ctx.clock.now();
    // Anyone with an account can type any address: that mailbox has its own budget, and the
    // page says "sent" whether it was, was over budget, or the address was taken.
    if (!(await mayMail(db, ctx.clock, 'email-change', email))) return;
    const others = (await accounts.findAccountsByEmail(db, town.id, email)).filter((a) => a.id !== account.id);
    if (others.length > 0) {
      await enqueueMail(db, {
        townId: town.id,
        to: email,
        template: 'notification',
        subject: 'Cette adresse a déjà un espace famille',
        data: {
          townName: town.name,
          greeting: 'Bonjour,',
          paragraphs: [
            `Quelqu'un a demandé à utiliser cette adresse pour un espace famille ${de(town.name)}, mais un autre espace l'utilise déjà : l'adresse n'a pas été changée.`,
            "Si c'est vous, connectez-vous à l'espace qui utilise déjà cette adresse, ou choisissez une autre adresse. Sinon, ignorez ce message.",
          ],
          link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.townHome(town)), label: 'Se connecter' },
        },
      });
      return;
    }
    const token = newToken();
    await accounts.insertToken(db, {
      accountId: account.id,
      purpose: 'email_change',
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + EMAIL_CHANGE_TTL_MS),
      payload: email,
      now,
    });
    await enqueueMail(db, {
      townId: town.id,
      to: email,
      template: 'notification',
      subject: 'Confirmez votre nouvelle adresse de courriel',
      data: {
        townName: town.name,
        greeting: greeting(account),
        paragraphs: [
          `Vous avez demandé à utiliser cette adresse pour votre espace famille ${de(town.name)}.`,
          "Confirmez-la en suivant le lien ci-dessous, valable 30 minutes. Votre ancienne adresse reste utilisée tant que vous ne l'avez pas confirmée.",
          "Si vous n'avez rien demandé, ignorez ce message : rien ne sera changé.",
        ],
        link: {
          url: absoluteUrl(ctx.config.publicBaseUrl, `${urls.confirmEmail(town)}?jeton=${encodeURIComponent(token)}`),
          label: 'Confirmer cette adresse',
        },
      },
    });
    await enqueueMail(db, {
      townId: town.id,
      to: account.email,
      template: 'notification',
      subject: 'Demande de changement de votre adresse de courriel',
      data: {
        townName: town.name,
        greeting: greeting(account),
        paragraphs: [
          `Une nouvelle adresse de courriel a été demandée pour votre espace famille : ${email}.`,
          "Elle ne remplacera celle-ci qu'une fois confirmée depuis cette nouvelle boîte. Si vous n'êtes pas à l'origine de cette demande, changez votre mot de passe et prévenez les services.",
        ],
        link: { url: absoluteUrl(ctx.config.publicBaseUrl, urls.credentials(town)), label: 'Changer mon mot de passe' },
      },
    });
  });
  return { kind: 'sent', email };
}

export type EmailTokenCheck =
  { kind: 'valid'; email: string; account: Account } | { kind: 'expired' } | { kind: 'used' } | { kind: 'invalid' };

async function checkToken(db: Queryable, ctx: ServiceContext, town: Town, token: string): Promise<EmailTokenCheck & { tokenId?: string }> {
  if (!token || token.length > 100) return { kind: 'invalid' };
  const row = await accounts.findTokenForUpdate(db, town.id, 'email_change', hashToken(token));
  if (!row || row.cancelledAt || !row.payload) return { kind: 'invalid' };
  if (row.usedAt) return { kind: 'used' };
  if (row.expiresAt.getTime() <= ctx.clock.now().getTime()) return { kind: 'expired' };
  const account = await accounts.findAccountById(db, town.id, row.accountId);
  if (!account || account.disabledAt) return { kind: 'invalid' };
  return { kind: 'valid', email: row.payload, account, tokenId: row.id };
}

/** The link's page: says which address it confirms, and asks for a click (mail scanners follow links). */
export async function checkEmailToken(ctx: ServiceContext, town: Town, token: string): Promise<EmailTokenCheck> {
  const { tokenId: _t, ...check } = await checkToken(ctx.pool, ctx, town, token);
  return check;
}

export type EmailConfirmation = { kind: 'confirmed'; email: string } | Exclude<EmailTokenCheck, { kind: 'valid' }>;

/**
 * Uses the token and the address in one transaction: the account's email changes, its
 * pending password-reset links stop working (they were sent to the old address), the old
 * address is told, and the services receive the change as a request.
 */
export async function confirmEmailChange(ctx: ServiceContext, town: Town, token: string): Promise<EmailConfirmation> {
  return withTransaction(ctx.pool, async (db) => {
    const check = await checkToken(db, ctx, town, token);
    if (check.kind !== 'valid') return check;
    const now = ctx.clock.now();
    const account = check.account;
    const oldEmail = account.email;
    await accounts.markTokenUsed(db, check.tokenId!, now);
    await contact.updateAccountEmail(db, town.id, account.id, check.email, now);
    await accounts.cancelTokens(db, account.id, 'password_reset', now);
    await enqueueMail(db, {
      townId: town.id,
      to: oldEmail,
      template: 'notification',
      subject: 'Votre adresse de courriel a été changée',
      data: {
        townName: town.name,
        greeting: greeting(account),
        paragraphs: [
          `L'adresse de courriel de votre espace famille est désormais ${check.email}. Cette adresse-ci ne recevra plus nos messages.`,
          "Si vous n'êtes pas à l'origine de ce changement, prévenez sans attendre les services de votre commune.",
        ],
      },
    });
    await createRequest(
      db,
      ctx,
      town,
      { ...account, email: check.email },
      {
        type: 'contact_change',
        summary: 'Changement de courriel',
        payload: {
          kind: 'email',
          changes: [{ field: 'email', label: 'Courriel', before: oldEmail, after: check.email }],
          email: check.email,
        },
      },
    );
    return { kind: 'confirmed', email: check.email } as const;
  });
}
