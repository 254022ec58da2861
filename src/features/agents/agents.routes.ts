import { Router } from 'express';
import type { AppDeps } from '../../deps.js';
import { activationRouter } from './accounts/accounts.routes.js';
import { agentsAuthRouter } from './auth/auth.routes.js';
import { agentsHomeRouter } from './home/home.routes.js';
import { auditLogRouter } from './journal/journal.routes.js';
import { teamRouter } from './team/team.routes.js';
import { familyFilesRouter } from './families/families.routes.js';
import { importRouter } from './import/import.routes.js';
import { invoicingRouter } from './invoicing/invoicing.routes.js';
import { paymentsRouter } from './payments/payments.routes.js';
import { agentsNewsRouter } from './news/news.routes.js';
import { agentsMessagesRouter } from './messages/messages.routes.js';
import { agentsPracticalInfoRouter } from './practical-info/practical-info.routes.js';
import { agentsRequestsRouter } from './requests/requests.routes.js';
import { agentsActivitiesRouter } from './activities/activities.routes.js';
import { agentsSettingsRouter } from './settings/settings.routes.js';
import { billingSetupRouter } from './billing-setup/billing-setup.routes.js';
import { directDebitAgentsRouter } from './direct-debit/direct-debit.routes.js';
import { agentsEnrolmentRouter } from './enrolment/enrolment.routes.js';
import { agentsRenewalRouter } from './renewal/renewal.routes.js';
import { schoolSectorsRouter } from './school-sectors/school-sectors.routes.js';
import { agentsSurveysRouter } from './surveys/surveys.routes.js';
import { agentsFormsRouter } from './forms/forms.routes.js';
import { agentsFranceConnectRouter } from './franceconnect/franceconnect.routes.js';
import { agentsProConnectRouter } from './proconnect/proconnect.routes.js';
import { rosterRouter } from './roster/roster.routes.js';
import { kitchenRouter } from './kitchen/kitchen.routes.js';
import { statisticsRouter } from './statistics/statistics.routes.js';

/**
 * The back-office ("Espace agents"), every area together: one folder per area under
 * features/agents/, as views/agents/ has one per area. Mounted under '/:town' after
 * loadAgent; each area's guards (requireAgent, requireAdmin) stand in its route table.
 */
export function backOfficeRouter(deps: AppDeps): Router {
  return Router().use(
    agentsAuthRouter(deps),
    agentsHomeRouter(deps),
    activationRouter(deps),
    teamRouter(deps),
    auditLogRouter(deps),
    agentsRequestsRouter(deps),
    agentsSettingsRouter(deps),
    agentsNewsRouter(deps),
    familyFilesRouter(deps),
    importRouter(deps),
    agentsActivitiesRouter(deps),
    agentsEnrolmentRouter(deps),
    billingSetupRouter(deps),
    invoicingRouter(deps),
    paymentsRouter(deps),
    directDebitAgentsRouter(deps),
    agentsRenewalRouter(deps),
    schoolSectorsRouter(deps),
    agentsSurveysRouter(deps),
    agentsPracticalInfoRouter(deps),
    agentsFormsRouter(deps),
    agentsFranceConnectRouter(deps),
    agentsProConnectRouter(deps),
    kitchenRouter(deps),
    rosterRouter(deps),
    agentsMessagesRouter(deps),
    statisticsRouter(deps),
  );
}
