import { withTransaction } from '../../db/pool.js';
import type { ServiceContext } from '../../deps.js';
import { audit } from '../../lib/audit.js';
import { DOCUMENT_MAX_FILES, type CheckedFile } from '../../lib/file-checks.js';
import type { FieldError } from '../../lib/forms.js';
import type { Account } from '../../repositories/accounts.repository.js';
import * as forms from '../../repositories/town-forms.repository.js';
import { listServices, type Town } from '../../repositories/towns.repository.js';
import { copyStoredFiles, findForOwner, type ListedDocument } from '../documents/documents.service.js';
import type { TownFormPayload } from '../requests/request-types.js';
import { createRequest, type AgentActing } from '../requests/requests.service.js';
import {
  answerWords,
  cannotAdd,
  fieldsOf,
  nextFieldId,
  publishProblems,
  type Answer,
  type FieldInput,
  type FormField,
  type FormMeta,
} from './form-fields.js';

/**
 * NOUVELLE DÉMARCHE (issue 17): the town's own forms. Admins edit a draft; publishing copies
 * it into a new immutable version (town_form_versions), which is what parents fill and what
 * each submission names. A submission is a request of type 'town_form' like any other: same
 * queue, state machine, mails and history; its attachment travels with its first message,
 * as an absence's justificatif does.
 */

export type FormResult = { ok: true; id: string } | { ok: false; errors: FieldError[] };

async function checkService(ctx: ServiceContext, town: Town, serviceId: string): Promise<FieldError | undefined> {
  const services = await listServices(ctx.pool, town.id);
  return services.some((s) => s.id === serviceId)
    ? undefined
    : { field: 'service', message: 'Choisissez le service qui reçoit les demandes parmi la liste' };
}

export async function createForm(ctx: ServiceContext, town: Town, acting: AgentActing, meta: FormMeta): Promise<FormResult> {
  const problem = await checkService(ctx, town, meta.service);
  if (problem) return { ok: false, errors: [problem] };
  const now = ctx.clock.now();
  const id = await withTransaction(ctx.pool, async (db) => {
    const formId = await forms.insertForm(db, town.id, { serviceId: meta.service, title: meta.titre, intro: meta.intro }, now);
    await audit(db, {
      townId: town.id,
      ...acting,
      action: 'town_form.create',
      targetType: 'town_form',
      targetId: formId,
      details: { title: meta.titre },
      at: now,
    });
    return formId;
  });
  return { ok: true, id };
}

export async function updateMeta(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  formId: string,
  meta: FormMeta,
): Promise<FormResult> {
  const problem = await checkService(ctx, town, meta.service);
  if (problem) return { ok: false, errors: [problem] };
  const now = ctx.clock.now();
  await withTransaction(ctx.pool, async (db) => {
    await forms.updateFormMeta(db, town.id, formId, { serviceId: meta.service, title: meta.titre, intro: meta.intro }, now);
    await audit(db, {
      townId: town.id,
      ...acting,
      action: 'town_form.update',
      targetType: 'town_form',
      targetId: formId,
      details: { title: meta.titre },
      at: now,
    });
  });
  return { ok: true, id: formId };
}

/**
 * Adds a field, or replaces `fieldId`'s, or removes it (`input` null), or moves it up one
 * place (`'up'`), on the draft, under the form's row lock so two admins do not lose each
 * other's fields.
 */
export async function changeField(
  ctx: ServiceContext,
  town: Town,
  acting: AgentActing,
  formId: string,
  change: { add: FieldInput } | { replace: string; with: FieldInput } | { remove: string } | { up: string },
): Promise<FormResult> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db): Promise<FormResult> => {
    const form = await forms.findForm(db, town.id, formId, { lock: true });
    if (!form) return { ok: false, errors: [{ field: '', message: "Ce formulaire n'existe plus" }] };
    const fields = fieldsOf(form.fields);
    let next: FormField[];
    let what: Record<string, unknown>;
    if ('add' in change) {
      const refused = cannotAdd(fields, change.add);
      if (refused) return { ok: false, errors: [refused] };
      const id = nextFieldId(fields);
      next = [...fields, { id, ...change.add }];
      what = { added: id, label: change.add.label };
    } else if ('replace' in change) {
      if (!fields.some((f) => f.id === change.replace)) return { ok: false, errors: [{ field: '', message: "Ce champ n'existe plus" }] };
      const refused = cannotAdd(fields, change.with, change.replace);
      if (refused) return { ok: false, errors: [refused] };
      next = fields.map((f) => (f.id === change.replace ? { id: f.id, ...change.with } : f));
      what = { changed: change.replace, label: change.with.label };
    } else if ('remove' in change) {
      next = fields.filter((f) => f.id !== change.remove);
      what = { removed: change.remove };
    } else {
      const i = fields.findIndex((f) => f.id === change.up);
      next = [...fields];
      if (i > 0) [next[i - 1], next[i]] = [next[i]!, next[i - 1]!];
      what = { moved: change.up };
    }
    await forms.updateFormFields(db, town.id, formId, next, now);
    await audit(db, {
      townId: town.id,
      ...acting,
      action: 'town_form.update',
      targetType: 'town_form',
      targetId: formId,
      details: what,
      at: now,
    });
    return { ok: true, id: formId };
  });
}

export type PublishResult = { ok: true; version: number; created: boolean } | { ok: false; problems: string[] };

/**
 * Publishes the draft: a new version when it differs from the latest one (the same draft
 * published again reuses it), then parents see that version. Earlier submissions keep theirs.
 */
export async function publish(ctx: ServiceContext, town: Town, acting: AgentActing, formId: string): Promise<PublishResult> {
  const now = ctx.clock.now();
  return withTransaction(ctx.pool, async (db): Promise<PublishResult> => {
    const form = await forms.findForm(db, town.id, formId, { lock: true });
    if (!form) return { ok: false, problems: ["Ce formulaire n'existe plus"] };
    const fields = fieldsOf(form.fields);
    const problems = publishProblems(fields);
    if (!form.serviceId) problems.push('Choisissez le service qui reçoit les demandes avant de publier');
    if (problems.length > 0) return { ok: false, problems };
    const latest = form.lastVersion > 0 ? await forms.findLatestVersion(db, town.id, formId) : undefined;
    const same =
      latest &&
      latest.title === form.title &&
      latest.intro === form.intro &&
      latest.serviceId === form.serviceId &&
      latest.serviceName === (form.serviceName ?? '') &&
      JSON.stringify(fieldsOf(latest.fields)) === JSON.stringify(fields);
    const versionId = same
      ? latest.id
      : await forms.insertVersion(
          db,
          town.id,
          {
            formId,
            version: form.lastVersion + 1,
            serviceId: form.serviceId,
            serviceName: form.serviceName ?? '',
            title: form.title,
            intro: form.intro,
            fields,
          },
          now,
        );
    const version = same ? latest.version : form.lastVersion + 1;
    await forms.setPublishedVersion(db, town.id, formId, versionId, now);
    await audit(db, {
      townId: town.id,
      ...acting,
      action: 'town_form.publish',
      targetType: 'town_form',
      targetId: formId,
      details: { version, title: form.title },
      at: now,
    });
    return { ok: true, version, created: !same };
  });
}

export async function unpublish(ctx: ServiceContext, town: Town, acting: AgentActing, formId: string): Promise<void> {
  const now = ctx.clock.now();
  await withTransaction(ctx.pool, async (db) => {
    await forms.setPublishedVersion(db, town.id, formId, null, now);
    await audit(db, { townId: town.id, ...acting, action: 'town_form.unpublish', targetType: 'town_form', targetId: formId, at: now });
  });
}

// ---------------------------------------------------------------- a parent's submission

export type SubmitResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

/**
 * Sends the parent's answers to `version`: the stored documents must be the parent's own
 * (another account's id reads as "no longer in your storage", the same words as an unknown
 * one), at most 4 files in all; then one transaction makes the request with its first
 * message carrying the uploads and copies of the stored files.
 */
export async function submit(
  ctx: ServiceContext,
  town: Town,
  parent: Account & { familyId: string },
  version: forms.TownFormVersionRow,
  input: { answers: Answer[]; storedDocumentIds: string[]; uploads: CheckedFile[] },
): Promise<SubmitResult> {
  const fields = fieldsOf(version.fields);
  const file = fields.find((f) => f.kind === 'file');
  const stored: ListedDocument[] = [];
  for (const id of file ? input.storedDocumentIds : []) {
    const doc = await findForOwner(ctx, parent, id);
    if (!doc)
      return {
        ok: false,
        errors: [{ field: file!.id, message: "Un document choisi n'est plus dans votre espace de stockage : choisissez parmi la liste" }],
      };
    stored.push(doc);
  }
  const uploads = file ? input.uploads : [];
  const fileCount = uploads.length + stored.reduce((n, d) => n + d.files.length, 0);
  if (file && fileCount > DOCUMENT_MAX_FILES) {
    return {
      ok: false,
      errors: [{ field: file.id, message: `Joignez ${DOCUMENT_MAX_FILES} fichiers au maximum en tout : vous en avez choisi ${fileCount}` }],
    };
  }
  if (file?.required && fileCount === 0) {
    return { ok: false, errors: [{ field: file.id, message: `Le document choisi ne contient aucun fichier : ajoutez « ${file.label} »` }] };
  }
  const copies = await copyStoredFiles(ctx, parent, stored);
  const fileWords = [...uploads.map((f) => `${f.name} (fichier ajouté)`), ...stored.map((d) => `${d.title} (espace de stockage)`)];
  const payload: TownFormPayload = {
    formId: version.formId,
    versionId: version.id,
    version: version.version,
    title: version.title,
    serviceName: version.serviceName,
    answers: fields.map((f) => {
      const answer = input.answers.find((a) => a.fieldId === f.id);
      const words = f.kind === 'file' ? fileWords.join(' ; ') || 'Aucun fichier' : answerWords(answer);
      return { fieldId: f.id, kind: f.kind, label: f.label, value: f.kind === 'file' ? fileWords : (answer?.value ?? null), words };
    }),
  };
  const files = [...uploads, ...copies];
  const requestId = await withTransaction(ctx.pool, async (db) => {
    const request = await createRequest(db, ctx, town, parent, {
      type: 'town_form',
      summary: version.title,
      payload: payload as unknown as Record<string, unknown>,
      ...(files.length > 0 ? { message: `Pièce jointe : ${fileWords.join(' ; ')}`, files } : {}),
    });
    return request.id;
  });
  return { ok: true, requestId };
}
