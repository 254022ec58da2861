import { isUniqueViolation, withTransaction, type Queryable } from '../../db/pool.js';
import { formatDateTime } from '../../lib/format.js';
import { mayMail } from '../../lib/mail-limits.js';
import { enqueueMail } from '../../lib/mailer.js';
import { generateTemporaryPassword, hashPassword, needsRehash, passwordProblem, verifyDummy, verifyPassword } from '../../lib/passwords.js';
import { hit } from '../../lib/rate-limit.js';
import { hashToken, newToken } from '../../lib/tokens.js';
import { normaliseEmail } from '../../lib/zod-fields.js';
import * as accounts from '../../repositories/accounts.repository.js';
import type { Account, AddressFields, IdentityFields, PhoneFields } from '../../repositories/accounts.repository.js';
import { currentText, type Town } from '../../repositories/towns.repository.js';
import { findSentAt } from '../../repositories/mail-outbox.repository.js';
import * as guard from '../auth/sign-in-guard.js';
import { absoluteUrl, urls } from '../../routes.js';
import type { ServiceContext } from '../../deps.js';
import { greeting } from '../../lib/french.js';
import { audit } from '../../lib/audit.js';
import { insertIdentity } from '../../repositories/franceconnect.repository.js';

const DAY = 24 * 60 * 60 * 1000;
export const ACTIVATION_TTL_MS = 7 * DAY;
export const RESET_TTL_MS = 30 * 60 * 1000;

/** One normalisation for every flow: sign-up, sign-in, reset, rate-limit keys. */
export function civilityWord(civility: 'M' | 'Mme'): string {
  return civility === 'M' ? 'Monsieur' : 'Madame';
}

async function issueToken(
  db: Queryable,
  ctx: ServiceContext,
  accountId: string,
  purpose: accounts.AccountToken['purpose'],
  ttlMs: number,
  payload?: string,
  now = ctx.clock.now(),
) {
  const token = newToken();
  await accounts.insertToken(db, {
    accountId,
    purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(now.getTime() + ttlMs),
    payload,
    now,
  });
  return token;
}

function activationLink(ctx: ServiceContext, town: Town, token: string): string {
  return absoluteUrl(ctx.config.publicBaseUrl, `${urls.activate(town)}?jeton=${encodeURIComponent(token)}`);
}

/** The activation mail, its link carrying `token` (issued in the same transaction). */
async function enqueueActivationMail(db: Queryable, ctx: ServiceContext, town: Town, account: Account, token: string): Promise<void> {
  await enqueueMail(db, {
    townId: town.id,
    to: account.email,
    template: 'activation',
    subject: 'Activez votre espace famille',
    data: {
      townName: town.name,
      greeting: greeting(account),
      link: activationLink(ctx, town, token),
      username: account.username,
      awaitingServices: account.validationStatus === 'awaiting_services',
      delayHours: town.activationDelayHours,
    },
  });
}

// ---------------------------------------------------------------- registration (wizard)

export interface RegistrationInput extends IdentityFields, AddressFields, PhoneFields {
  photoId: string | null;
  email: string;
  username: string;
  password: string;
  cleEnfance: string;
  /** The FranceConnect identity the wizard started from (issue 18): linked to the new account, never to an existing one. */
  franceConnectSub?: string;
}

export type RegistrationResult = { kind: 'created' } | { kind: 'username_taken' } | { kind: 'unknown_key' };

/**
 * VALIDER of the wizard: one transaction creates the account, links it to the family of
 * its Clé Enfance, and queues the activation mail. An email that already has an account
 * gets a mail telling its owner how to sign in, and the page says the same as for a new
 * account (no enumeration).
 */
export async function registerAccount(ctx: ServiceContext, town: Town, input: RegistrationInput): Promise<RegistrationResult> {
  const email = normaliseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  return withTransaction(ctx.pool, async (db) => {
    let familyId: string | null = null;
    if (input.cleEnfance.trim()) {
      const family = await accounts.findFamilyByKey(db, town.id, input.cleEnfance);
      if (!family) return { kind: 'unknown_key' } as const;
      familyId = family.id;
    }
    if (await accounts.usernameExists(db, town.id, input.username)) return { kind: 'username_taken' } as const;

    const existing = await accounts.findAccountsByEmail(db, town.id, email);
    if (existing.length > 0) {
      const owner = existing[0]!;
      if (!(await mayMail(db, ctx.clock, 'account-exists', email))) return { kind: 'created' } as const;
      await enqueueMail(db, {
        townId: town.id,
        to: email,
        template: 'account-exists',
        subject: 'Vous avez déjà un espace famille',
        data: {
          townName: town.name,
          greeting: greeting(owner),
          username: owner.username,
          signInUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.townHome(town)),
          resetUrl: absoluteUrl(ctx.config.publicBaseUrl, urls.forgotPassword(town)),
        },
      });
      return { kind: 'created' } as const;
    }

    const now = ctx.clock.now();
    const photo = input.photoId ? await accounts.takeSignupPhoto(db, town.id, input.photoId) : undefined;
    let account: Account;
    try {
      account = await accounts.insertAccount(db, {
        townId: town.id,
        familyId,
        username: input.username,
        email,
        civility: input.civility,
        lastName: input.lastName,
        birthName: input.birthName,
        firstNames: input.firstNames,
        birthDate: input.birthDate,
        birthCountry: input.birthCountry,
        birthDepartment: input.birthDepartment,
        birthCommune: input.birthCommune,
        photo: photo ?? null,
        addressNumber: input.addressNumber,
        addressStreet: input.addressStreet,
        addressBuilding: input.addressBuilding,
        addressApartment: input.addressApartment,
        addressComplement: input.addressComplement,
        postalCode: input.postalCode,
        city: input.city,
        country: input.country,
        phone: input.phone,
        mobile: input.mobile,
        fax: input.fax,
        preferredContact: input.preferredContact,
        passwordHash,
        passwordIsTemporary: false,
        temporaryPasswordExpiresAt: null,
        createdVia: 'wizard',
        validationStatus: familyId ? 'validated' : 'awaiting_services',
        validatedAt: familyId ? now : null,
        createdAt: now,
      });
    } catch (err) {
      // Two sign-ups racing for the same username: the unique index decides.
      if (isUniqueViolation(err)) return { kind: 'username_taken' } as const;
      throw err;
    }
    // An identity linked meanwhile (another tab) leaves this new account unlinked, never a 500.
    if (input.franceConnectSub && (await insertIdentity(db, town.id, account.id, input.franceConnectSub, now))) {
      await audit(db, {
        townId: town.id,
        agentId: null,
        actorLabel: `parent ${account.username}`,
        action: 'franceconnect.link',
        targetType: 'account',
        targetId: account.id,
        at: now,
      });
    }
    const token = await issueToken(db, ctx, account.id, 'activation', ACTIVATION_TTL_MS);
    // The account exists either way; over the budget its owner asks for the link again later.
    if (!(await mayMail(db, ctx.clock, 'activation', email))) return { kind: 'created' } as const;
    await enqueueActivationMail(db, ctx, town, account, token);
    return { kind: 'created' } as const;
  });
}

// ---------------------------------------------------------------- activation

export type ActivationResult = { kind: 'activated'; account: Account } | { kind: 'expired' } | { kind: 'used' } | { kind: 'invalid' };

export async function activateAccount(ctx: ServiceContext, town: Town, token: string): Promise<ActivationResult> {
  if (!token || token.length > 100) return { kind: 'invalid' };
  return withTransaction(ctx.pool, async (db) => {
    const row = await accounts.findTokenForUpdate(db, town.id, 'activation', hashToken(token));
    if (!row || row.cancelledAt) return { kind: 'invalid' } as const;
    if (row.usedAt) return { kind: 'used' } as const;
    const now = ctx.clock.now();
    if (row.expiresAt.getTime() <= now.getTime()) return { kind: 'expired' } as const;
    await accounts.markTokenUsed(db, row.id, now);
    await accounts.confirmEmail(db, row.accountId, now);
    const account = await accounts.findAccountById(db, town.id, row.accountId);
    return { kind: 'activated', account: account! } as const;
  });
}

/**
 * "Renvoyer le lien d'activation": the same answer whatever the address. The caller limits
 * requests per source address; here the recipient's budget is checked before anything
 * changes, so a refused resend leaves the links already sent working.
 */
export async function resendActivation(ctx: ServiceContext, town: Town, identifier: string): Promise<void> {
  const value = identifier.trim();
  if (!value || value.length > 254) return;
  await withTransaction(ctx.pool, async (db) => {
    const account = await accounts.findAccountByIdentifier(db, town.id, value);
    if (!account || account.emailConfirmedAt || account.disabledAt) return;
    if (!(await mayMail(db, ctx.clock, 'activation', account.email))) return;
    if (account.createdVia === 'precreated') {
      // A pre-created account's mail carries its temporary password: a new one goes with the new link.
      await sendPrecreationMail(db, ctx, town, account);
      return;
    }
    const token = await issueToken(db, ctx, account.id, 'activation', ACTIVATION_TTL_MS);
    await enqueueActivationMail(db, ctx, town, account, token);
  });
}

// ---------------------------------------------------------------- sign-in

/**
 * `challenge`: the CAPTCHA was needed and not passed (the password was not looked at).
 * `temporarySpent`: the right temporary password (Création rapide), but used once already or
 * past its 7 days. Only someone who typed that password learns it, so the page can say what
 * to do ("J'ai oublié mon mot de passe", which works whether the account was activated or not).
 */
export type SignInResult =
  | { ok: true; account: Account }
  | { ok: false; challenge?: 'missing' | 'failed' | 'expired'; challengeNext: boolean; temporarySpent?: true };

/**
 * One generic failure whatever failed (unknown, wrong password, not activated, locked,
 * disabled), each path running one argon2 verification so their timing is alike. Failures
 * slow down and challenge the browser that fails, never the owner's own browsers
 * (sign-in-guard.ts, lib/lockout.ts). A temporary password signs in once, within the 7 days
 * of its activation link, and then only to choose a new password (requireParent sends there).
 */
export async function signIn(
  ctx: ServiceContext,
  town: Town,
  identifier: string,
  password: string,
  source: guard.SignInSource,
): Promise<SignInResult> {
  const now = ctx.clock.now();
  const typed = identifier.trim();
  const account = typed ? await accounts.findAccountByIdentifier(ctx.pool, town.id, typed) : undefined;
  const attempt: guard.Attempt = { townId: town.id, kind: 'parent', subjectId: account?.id, identifier: typed, source };
  const admission = await guard.admit(ctx, attempt);
  if (!admission.admitted) return { ok: false, challenge: admission.challenge, challengeNext: true };
  const refuse = async (): Promise<Extract<SignInResult, { ok: false }>> => ({
    ok: false,
    challengeNext: await guard.challengeNext(ctx, attempt),
  });
  if (admission.locked) {
    await verifyDummy(password);
    return refuse();
  }
  const valid = account && password.length <= 1024 ? await verifyPassword(account.passwordHash, password) : await verifyDummy(password);
  if (!valid || !account) {
    const { warn } = await guard.failed(ctx, attempt, admission);
    if (warn && account) await warnOfFailures(ctx, town, account);
    return refuse();
  }
  // The right password, refused all the same: not a failure of the source's.
  const refuseRight = async (temporarySpent?: true): Promise<SignInResult> => {
    await guard.notFailed(ctx, admission);
    const refused = await refuse();
    return temporarySpent ? { ...refused, temporarySpent } : refused;
  };
  if (account.disabledAt || account.validationStatus === 'refused') return refuseRight();
  const temporarySpent =
    account.passwordIsTemporary && (!account.temporaryPasswordExpiresAt || account.temporaryPasswordExpiresAt.getTime() <= now.getTime());
  if (temporarySpent) return refuseRight(true);
  if (!account.emailConfirmedAt) return refuseRight();
  if (account.passwordIsTemporary && !(await accounts.spendTemporaryPassword(ctx.pool, account.id, now))) {
    return refuseRight(true);
  }
  await withTransaction(ctx.pool, async (db) => {
    await accounts.recordSuccessfulSignIn(db, account.id, now);
    // From a known browser the owner's success says nothing of a stranger's burst: it stays.
    // From another, it ends the burst (this attempt, counted in advance, included).
    if (!admission.trusted) await guard.clearFailures(db, 'parent', account.id);
  });
  if (needsRehash(account.passwordHash)) {
    // Parameters changed since this hash was made: upgrade it now that we know the password.
    await accounts.updatePassword(ctx.pool, account.id, await hashPassword(password), null, now).catch(() => undefined);
  }
  return { ok: true, account: (await accounts.findAccountById(ctx.pool, town.id, account.id))! };
}

/** Once per burst of failures (sign-in-guard.ts), within the recipient's mail budget. */
async function warnOfFailures(ctx: ServiceContext, town: Town, account: Account): Promise<void> {
  await withTransaction(ctx.pool, async (db) => {
    if (!(await mayMail(db, ctx.clock, 'sign-in-warning', account.email))) return;
    await enqueueMail(db, {
      townId: town.id,
      to: account.email,
      template: 'notification',
      subject: 'Tentatives de connexion à votre espace famille',
      data: {
        townName: town.name,
        greeting: greeting(account),
        paragraphs: [
          `Plusieurs tentatives de connexion à votre espace famille ont échoué ${formatNow(ctx)} : un mauvais mot de passe a été saisi à plusieurs reprises.`,
          "Si c'est vous, vous pouvez choisir un nouveau mot de passe avec le lien ci-dessous. Sinon, quelqu'un essaie peut-être de deviner votre mot de passe : il sera ralenti, et vous pourrez toujours vous connecter depuis un appareil où vous vous êtes déjà connecté.",
          'Si vous utilisez ce mot de passe sur un autre site, changez-le aussi là-bas.',
        ],
        link: { label: 'Choisir un nouveau mot de passe', url: absoluteUrl(ctx.config.publicBaseUrl, urls.forgotPassword(town)) },
      },
    });
  });
}

/** Per-IP limit for sign-in attempts, shared by every instance. */
export async function signInRateLimit(ctx: ServiceContext, town: Town, ip: string) {
  return hit(ctx.pool, ctx.clock, `signin:${town.id}:${ip}`, 30, 15 * 60);
}

// ---------------------------------------------------------------- password reset

/** "Mot de passe oublié": the same answer whatever the identifier; the caller limits requests per source address. */
export async function requestPasswordReset(ctx: ServiceContext, town: Town, identifier: string): Promise<void> {
  const value = identifier.trim();
  if (!value || value.length > 254) return;
  await withTransaction(ctx.pool, async (db) => {
    const account = await accounts.findAccountByIdentifier(db, town.id, value);
    if (!account || account.disabledAt) return;
    // Over the recipient's budget: no new link (the last one sent still works) and no mail.
    if (!(await mayMail(db, ctx.clock, 'password-reset', account.email))) return;
    const token = await issueToken(db, ctx, account.id, 'password_reset', RESET_TTL_MS);
    const mailId = await enqueueMail(db, {
      townId: town.id,
      to: account.email,
      template: 'password-reset',
      subject: 'Réinitialisation de votre mot de passe',
      data: {
        townName: town.name,
        greeting: greeting(account),
        link: absoluteUrl(ctx.config.publicBaseUrl, `${urls.resetPassword(town)}?jeton=${encodeURIComponent(token)}`),
        username: account.username,
      },
    });
    await accounts.setTokenPayload(db, hashToken(token), mailId);
  });
}

/**
 * A reset link lasts RESET_TTL_MS from the later of its request and its mail's sending: after an
 * SMTP outage longer than that, the link that finally arrives still works (docs/pannes.md).
 * Nobody could use it before its mail left, so this lengthens no exposure.
 */
async function resetExpired(db: Queryable, row: accounts.AccountToken, now: Date): Promise<boolean> {
  if (row.expiresAt.getTime() > now.getTime()) return false;
  const sentAt = row.payload ? await findSentAt(db, row.payload) : null;
  return !sentAt || sentAt.getTime() + RESET_TTL_MS <= now.getTime();
}

export type TokenCheck = { kind: 'valid'; account: Account } | { kind: 'expired' } | { kind: 'used' } | { kind: 'invalid' };

/** Looks at a reset token without using it (to show the form or the "link expired" page). */
export async function checkResetToken(ctx: ServiceContext, town: Town, token: string): Promise<TokenCheck> {
  if (!token || token.length > 100) return { kind: 'invalid' };
  const row = await accounts.findTokenForUpdate(ctx.pool, town.id, 'password_reset', hashToken(token));
  if (!row || row.cancelledAt) return { kind: 'invalid' };
  if (row.usedAt) return { kind: 'used' };
  if (await resetExpired(ctx.pool, row, ctx.clock.now())) return { kind: 'expired' };
  const account = await accounts.findAccountById(ctx.pool, town.id, row.accountId);
  return account ? { kind: 'valid', account } : { kind: 'invalid' };
}

export type ResetResult = { kind: 'done'; accountId: string } | { kind: 'weak'; message: string } | Exclude<TokenCheck, { kind: 'valid' }>;

/**
 * Sets the new password, uses the token, ends every session of the account, lifts a
 * lock, confirms the email (the link proved it), and tells the owner.
 */
export async function resetPassword(ctx: ServiceContext, town: Town, token: string, password: string): Promise<ResetResult> {
  const check = await checkResetToken(ctx, town, token);
  if (check.kind !== 'valid') return check;
  const problem = passwordProblem(password, town.passwordPolicy, check.account.username);
  if (problem) return { kind: 'weak', message: problem };
  const hash = await hashPassword(password);
  return withTransaction(ctx.pool, async (db) => {
    const row = await accounts.findTokenForUpdate(db, town.id, 'password_reset', hashToken(token));
    const now = ctx.clock.now();
    if (!row || row.cancelledAt) return { kind: 'invalid' } as const;
    if (row.usedAt) return { kind: 'used' } as const;
    if (await resetExpired(db, row, now)) return { kind: 'expired' } as const;
    await accounts.markTokenUsed(db, row.id, now);
    await accounts.updatePassword(db, row.accountId, hash, null, now);
    // The link proved the mailbox: the owner is never left locked out by a stranger's failures.
    await guard.clearFailures(db, 'parent', row.accountId);
    await accounts.confirmEmail(db, row.accountId, now);
    await accounts.deleteSessionsOf(db, row.accountId);
    await passwordChangedMail(db, ctx, town, check.account);
    return { kind: 'done', accountId: row.accountId } as const;
  });
}

async function passwordChangedMail(db: Queryable, ctx: ServiceContext, town: Town, account: Account): Promise<void> {
  await enqueueMail(db, {
    townId: town.id,
    to: account.email,
    template: 'notification',
    subject: 'Votre mot de passe a été modifié',
    data: {
      townName: town.name,
      greeting: greeting(account),
      paragraphs: [
        `Le mot de passe de votre espace famille a été modifié ${formatNow(ctx)}.`,
        "Si vous n'êtes pas à l'origine de ce changement, réinitialisez votre mot de passe sans attendre et prévenez les services de votre commune.",
      ],
      link: { label: 'Réinitialiser mon mot de passe', url: absoluteUrl(ctx.config.publicBaseUrl, urls.forgotPassword(town)) },
    },
  });
}

function formatNow(ctx: ServiceContext): string {
  return formatDateTime(ctx.clock.now());
}

// ---------------------------------------------------------------- Mes identifiants

export type CredentialsChange =
  { kind: 'done'; usernameChanged: boolean; passwordChanged: boolean } | { kind: 'errors'; errors: { field: string; message: string }[] };

export async function changeCredentials(
  ctx: ServiceContext,
  town: Town,
  account: Account,
  input: { currentPassword: string; username: string; password: string; passwordConfirmation: string },
  keepSid: string,
): Promise<CredentialsChange> {
  const errors: { field: string; message: string }[] = [];
  const username = input.username.trim();
  const usernameChanged = username !== '' && username !== account.username;
  const passwordChanged = input.password !== '';
  if (!input.currentPassword) errors.push({ field: 'motDePasseActuel', message: 'Saisissez votre mot de passe actuel' });
  else if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    errors.push({ field: 'motDePasseActuel', message: 'Le mot de passe actuel est incorrect' });
  }
  if (usernameChanged) {
    const problem = usernameProblem(username);
    if (problem) errors.push({ field: 'nomUtilisateur', message: problem });
    else if (await accounts.usernameExists(ctx.pool, town.id, username, account.id)) {
      errors.push(USERNAME_TAKEN);
    }
  }
  if (passwordChanged) {
    const problem = passwordProblem(input.password, town.passwordPolicy, usernameChanged ? username : account.username);
    if (problem) errors.push({ field: 'motDePasse', message: problem });
    else if (input.password !== input.passwordConfirmation) {
      errors.push({ field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' });
    }
  }
  if (!usernameChanged && !passwordChanged && errors.length === 0) {
    errors.push({ field: 'nomUtilisateur', message: "Saisissez un nouveau nom d'utilisateur ou un nouveau mot de passe" });
  }
  if (errors.length) return { kind: 'errors', errors };
  const hash = passwordChanged ? await hashPassword(input.password) : undefined;
  try {
    await withTransaction(ctx.pool, async (db) => {
      const now = ctx.clock.now();
      if (usernameChanged) await accounts.updateUsername(db, account.id, username, now);
      if (hash) {
        await accounts.updatePassword(db, account.id, hash, null, now);
        await accounts.deleteSessionsOf(db, account.id, keepSid);
      }
      await enqueueMail(db, {
        townId: town.id,
        to: account.email,
        template: 'notification',
        subject: 'Vos identifiants ont été modifiés',
        data: {
          townName: town.name,
          greeting: greeting(account),
          paragraphs: [
            usernameChanged && hash
              ? `Votre nom d'utilisateur (désormais « ${username} ») et votre mot de passe ont été modifiés ${formatNow(ctx)}.`
              : usernameChanged
                ? `Votre nom d'utilisateur a été modifié ${formatNow(ctx)} : c'est désormais « ${username} ».`
                : `Votre mot de passe a été modifié ${formatNow(ctx)}.`,
            "Si vous n'êtes pas à l'origine de ce changement, réinitialisez votre mot de passe sans attendre et prévenez les services de votre commune.",
          ],
          link: { label: 'Réinitialiser mon mot de passe', url: absoluteUrl(ctx.config.publicBaseUrl, urls.forgotPassword(town)) },
        },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: 'errors', errors: [USERNAME_TAKEN] };
    throw err;
  }
  return { kind: 'done', usernameChanged, passwordChanged: Boolean(hash) };
}

/** A username another account (or agent) of the town has: the unique index or a look-up said so. */
export const USERNAME_TAKEN = { field: 'nomUtilisateur', message: "Ce nom d'utilisateur est déjà pris : choisissez-en un autre" };

export function usernameProblem(username: string): string | undefined {
  if (!username) return "Saisissez un nom d'utilisateur";
  if (username.length < 3) return "Le nom d'utilisateur doit contenir au moins 3 caractères";
  if (username.length > 50) return "Le nom d'utilisateur doit contenir 50 caractères au maximum";
  if (!/^[\p{L}\p{N}._-]+$/u.test(username)) {
    return "Le nom d'utilisateur ne peut contenir que des lettres, des chiffres, des points, des tirets et des tirets bas";
  }
  if (username.includes('@')) return "Le nom d'utilisateur ne doit pas être une adresse de courriel";
  return undefined;
}

// ---------------------------------------------------------------- first sign-in of a pre-created account

export type TemporaryPasswordChange = { kind: 'done' } | { kind: 'errors'; errors: { field: string; message: string }[] };

export async function replaceTemporaryPassword(
  ctx: ServiceContext,
  town: Town,
  account: Account,
  input: { password: string; passwordConfirmation: string },
  keepSid: string,
): Promise<TemporaryPasswordChange> {
  const problem = passwordProblem(input.password, town.passwordPolicy, account.username);
  if (problem) return { kind: 'errors', errors: [{ field: 'motDePasse', message: problem }] };
  if (await verifyPassword(account.passwordHash, input.password)) {
    return {
      kind: 'errors',
      errors: [{ field: 'motDePasse', message: 'Le nouveau mot de passe doit être différent du mot de passe provisoire' }],
    };
  }
  if (input.password !== input.passwordConfirmation) {
    return { kind: 'errors', errors: [{ field: 'confirmationMotDePasse', message: 'La confirmation ne correspond pas au mot de passe' }] };
  }
  const hash = await hashPassword(input.password);
  await withTransaction(ctx.pool, async (db) => {
    await accounts.updatePassword(db, account.id, hash, null, ctx.clock.now());
    await accounts.deleteSessionsOf(db, account.id, keepSid);
  });
  return { kind: 'done' };
}

// ---------------------------------------------------------------- CGU

export async function currentCguVersion(ctx: ServiceContext, town: Town): Promise<{ version: number; body: string } | undefined> {
  return currentText(ctx.pool, town.id, 'cgu');
}

export async function acceptCgu(ctx: ServiceContext, account: Account, version: number): Promise<void> {
  await accounts.acceptCgu(ctx.pool, account.id, version, ctx.clock.now());
}

// ---------------------------------------------------------------- Création rapide

export interface PrecreateInput {
  civility: 'M' | 'Mme';
  lastName: string;
  firstName: string;
  email: string;
  familyId?: string | null;
  familyKey?: string | null;
}

export type PrecreateResult = { kind: 'created'; account: Account } | { kind: 'email_taken' } | { kind: 'unknown_key' };

/** A username from the name, as the seed's "mtest" for M. TEST: first initial + last name, made unique. */
async function availableUsername(db: Queryable, townId: string, firstName: string, lastName: string): Promise<string> {
  const clean = (s: string) =>
    s
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
  const base = `${clean(firstName).slice(0, 1)}${clean(lastName)}`.slice(0, 40) || 'usager';
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base.padEnd(3, '0') : `${base}${n + 1}`;
    if (!(await accounts.usernameExists(db, townId, candidate))) return candidate;
  }
}

/**
 * A new temporary password and activation link. The password dies with the link (the same
 * instant, 7 days on) and signs in once only (`signIn` spends it): it is sent in clear, so
 * it must not outlive its purpose, choosing the parent's own password (ASVS 6.4.1).
 */
async function sendPrecreationMail(db: Queryable, ctx: ServiceContext, town: Town, account: Account): Promise<void> {
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ACTIVATION_TTL_MS);
  const temporaryPassword = generateTemporaryPassword(town.passwordPolicy.minLength);
  await accounts.updatePassword(db, account.id, await hashPassword(temporaryPassword), { expiresAt }, now);
  // A session opened with the previous temporary password could still choose the password:
  // only the holder of the newest mail may.
  await accounts.deleteSessionsOf(db, account.id);
  const token = await issueToken(db, ctx, account.id, 'activation', ACTIVATION_TTL_MS, undefined, now);
  await enqueueMail(db, {
    townId: town.id,
    to: account.email,
    template: 'precreated',
    subject: 'Votre espace famille a été créé',
    data: {
      townName: town.name,
      greeting: greeting(account),
      link: activationLink(ctx, town, token),
      username: account.username,
      temporaryPassword,
      validUntil: formatDateTime(expiresAt),
    },
  });
}

/**
 * Création rapide: the town knows the family; the account exists at once, linked and
 * validated, and the mail carries the activation link, the username and a temporary
 * password (seed 000). Nobody but the recipient ever sees that password.
 */
export async function precreateAccount(ctx: ServiceContext, town: Town, input: PrecreateInput, db?: Queryable): Promise<PrecreateResult> {
  const run = async (client: Queryable): Promise<PrecreateResult> => {
    const email = normaliseEmail(input.email);
    let familyId = input.familyId ?? null;
    if (!familyId && input.familyKey) {
      const family = await accounts.findFamilyByKey(client, town.id, input.familyKey);
      if (!family) return { kind: 'unknown_key' };
      familyId = family.id;
    }
    if ((await accounts.findAccountsByEmail(client, town.id, email)).length > 0) return { kind: 'email_taken' };
    const now = ctx.clock.now();
    const account = await accounts.insertAccount(client, {
      townId: town.id,
      familyId,
      username: await availableUsername(client, town.id, input.firstName, input.lastName),
      email,
      civility: input.civility,
      lastName: input.lastName.trim(),
      firstNames: input.firstName.trim(),
      // Replaced at once by sendPrecreationMail; never a usable password.
      passwordHash: '!',
      passwordIsTemporary: true,
      temporaryPasswordExpiresAt: now,
      createdVia: 'precreated',
      validationStatus: 'validated',
      validatedAt: now,
      createdAt: now,
    });
    await sendPrecreationMail(client, ctx, town, account);
    return { kind: 'created', account: (await accounts.findAccountById(client, town.id, account.id))! };
  };
  return db ? run(db) : withTransaction(ctx.pool, run);
}

/**
 * "Renvoyer le courriel": a new link and a new temporary password; the previous ones stop
 * working. Pass `db` to run inside the caller's transaction (the back-office audits it there).
 */
export async function resendPrecreation(ctx: ServiceContext, town: Town, accountId: string, db?: Queryable): Promise<boolean> {
  const run = async (client: Queryable): Promise<boolean> => {
    const account = await accounts.findAccountById(client, town.id, accountId);
    if (!account || account.createdVia !== 'precreated' || !account.passwordIsTemporary) return false;
    await sendPrecreationMail(client, ctx, town, account);
    return true;
  };
  return db ? run(db) : withTransaction(ctx.pool, run);
}
