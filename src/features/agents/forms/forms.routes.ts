import { Router } from 'express';
import type { AppDeps } from '../../../deps.js';
import { requireAdmin, requireAgent } from '../../../middleware/agent-auth.js';
import { route, urls } from '../../../routes.js';
import { formFieldsController } from './fields.controller.js';
import { formsController } from './forms.controller.js';

/** "Formulaires" (NOUVELLE DÉMARCHE, issue 17): the town's own forms, built by its admins only. */
export function agentsFormsRouter(deps: AppDeps): Router {
  const c = formsController(deps);
  const fields = formFieldsController(deps);
  const router = Router();
  const admin = [requireAgent, requireAdmin];

  router.get(route(urls.agentForms), ...admin, c.list);
  router.get(route(urls.agentFormNew), ...admin, c.showNew);
  router.post(route(urls.agentFormNew), ...admin, c.create);
  router.get(route(urls.agentForm, ':formId'), ...admin, c.show);
  router.post(route(urls.agentForm, ':formId'), ...admin, c.updateMeta);
  router.get(route(urls.agentFormPreview, ':formId'), ...admin, c.preview);
  router.post(route(urls.agentFormPublish, ':formId'), ...admin, c.publish);
  router.post(route(urls.agentFormUnpublish, ':formId'), ...admin, c.unpublish);
  router.post(route(urls.agentFormFields, ':formId'), ...admin, fields.addField);
  router.get(route(urls.agentFormField, ':formId', ':fieldId'), ...admin, fields.showField);
  router.post(route(urls.agentFormField, ':formId', ':fieldId'), ...admin, fields.updateField);
  router.post(route(urls.agentFormFieldDelete, ':formId', ':fieldId'), ...admin, fields.deleteField);
  router.post(route(urls.agentFormFieldUp, ':formId', ':fieldId'), ...admin, fields.moveUp);

  return router;
}
