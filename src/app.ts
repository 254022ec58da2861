import crypto from 'node:crypto';
import compression from 'compression';
import express, { Router, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { absencesRouter } from './features/absences/absences.routes.js';
import { activityOfferRouter } from './features/activity-offer/activity-offer.routes.js';
import { practicalInfoRouter } from './features/practical-info/practical-info.routes.js';
import { backOfficeRouter } from './features/agents/agents.routes.js';
import { authRouter } from './features/auth/auth.routes.js';
import { contactRouter } from './features/contact/contact.routes.js';
import { dashboardRouter } from './features/dashboard/dashboard.routes.js';
import { dataRightsRouter } from './features/data-rights/data-rights.routes.js';
import { devRouter } from './features/dev/dev.routes.js';
import { directDebitRouter } from './features/direct-debit/direct-debit.routes.js';
import { documentEditionsRouter } from './features/document-editions/document-editions.routes.js';
import { documentsRouter } from './features/documents/documents.routes.js';
import { familyRouter } from './features/my-family/my-family.routes.js';
import { healthRouter } from './features/health/health.routes.js';
import { invoicesRouter } from './features/invoices/invoices.routes.js';
import { paymentNotificationRouter, paymentPagesRouter, paymentsRouter } from './features/payments/payments.routes.js';
import { publicRouter, townRouter } from './features/home/home.routes.js';
import { requestsRouter } from './features/requests/requests.routes.js';
import { reservationsRouter } from './features/reservations/reservations.routes.js';
import { signupRouter } from './features/signup/signup.routes.js';
import { tariffSimulationRouter } from './features/tariff-simulation/tariff-simulation.routes.js';
import { quotientRouter } from './features/quotient/quotient.routes.js';
import { enrolmentRouter } from './features/enrolment/enrolment.routes.js';

import { accountClosingRouter } from './features/account-closing/account-closing.routes.js';
import { calendarFeedPublicRouter, calendarFeedRouter } from './features/calendar-feed/calendar-feed.routes.js';
import { renewalRouter } from './features/renewal/renewal.routes.js';
import { schoolEnrolmentRouter } from './features/school-enrolment/school-enrolment.routes.js';
import { surveyRouter } from './features/survey/survey.routes.js';
import { remindersRouter } from './features/reminders/reminders.routes.js';
import { proceduresRouter } from './features/procedures/procedures.routes.js';
import { franceConnectRouter } from './features/franceconnect/franceconnect.routes.js';
import { devIdentityProvider } from './features/dev/identity-provider.js';
import { AUDIT_ACTIONS } from './lib/audit.js';
import * as format from './lib/format.js';
import { PUBLIC_DIR, VIEWS_DIR } from './lib/paths.js';
import { maskSecrets } from './lib/logger.js';
import { layoutEngine } from './lib/views.js';
import { loadAgent } from './middleware/agent-auth.js';
import { flashMessages, loadAccount } from './middleware/auth.js';
import { csrfProtection, csrfTokens } from './middleware/csrf.js';
import { parseMultipart } from './middleware/upload.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { rejectNulBytes } from './middleware/nul-bytes.js';
import { noStore, securityHeaders } from './middleware/security.js';
import { saveBeforeRedirect, sessionMiddleware } from './middleware/session.js';
import { staticAssets } from './middleware/static-assets.js';
import { townMiddleware } from './middleware/town.js';
import { townMenuMiddleware } from './features/navigation/town-menu.middleware.js';
import { newsRouter } from './features/news/news.routes.js';
import { underPrefix } from './middleware/under-prefix.js';
import { urls } from './routes.js';
import type { AppDeps } from './deps.js';
import { operatorsRouter } from './features/operators/operators.routes.js';

/** The middleware, in order, top to bottom. Nothing else lives here. */
export function createApp(deps: AppDeps): Express {
  const { config, pool, logger } = deps;
  const app = express();

  app.disable('x-powered-by');
  // Pages are never cached (no-store): an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.engine('ejs', layoutEngine(config.isProduction));
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  app.set('view cache', config.isProduction);
  app.locals.urls = urls;
  app.locals.format = format;
  app.locals.auditActions = AUDIT_ACTIONS;
  app.locals.isProduction = config.isProduction;
  // Views link /public files through asset('css/main.css'): a URL with the content's hash.
  const assets = staticAssets(PUBLIC_DIR, { watch: !config.isProduction });
  app.locals.asset = assets.url;

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: maskSecrets(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || (req.url ?? '').startsWith('/public/') },
    }),
  );
  // Only when nothing compresses in front of the app (COMPRESSION, docs/performance.md).
  if (config.compression) app.use(compression());
  app.use(securityHeaders(config.isProduction));
  app.use('/public', assets.handler);
  app.use(healthRouter(pool, { showRuntime: !config.isProduction }));
  app.use(noStore);
  // The built-in OpenID Connect provider FranceConnect's demo and tests talk to (issue 18), never in
  // production: before the app's body parser, session and CSRF token, none of which it uses.
  if (!config.isProduction) app.use(urls.devIdentityProvider(), devIdentityProvider(deps));
  // Forms are small: a body over 100 kB or with hundreds of fields is refused (413).
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  // Payment providers' notifications carry no session and no CSRF token: verified by the provider's own means (ADR 0017).
  app.use(paymentNotificationRouter(deps));
  // Calendar feeds (issue 17): a phone's calendar fetches them with the token alone, so no session and no cookie.
  app.use(calendarFeedPublicRouter(deps));
  app.use(sessionMiddleware(config, deps.sessionStore));
  app.use(saveBeforeRedirect);
  // The CSRF token lives in a cookie, not the session (ADR 0016): pages with a form create no session.
  app.use(csrfTokens(config));
  // Multipart too is parsed before the CSRF check, so that check covers every body (issue 10).
  app.use(parseMultipart());
  app.use(rejectNulBytes);
  app.use(csrfProtection());
  app.use(flashMessages);
  app.use((req, res, next) => {
    res.locals.currentPath = req.originalUrl;
    next();
  });

  app.use(publicRouter(deps));
  if (!config.isProduction) app.use(devRouter(deps));
  // The host's operators (issue 20, ADR 0024): before '/:town', which would take 'exploitation' for a town.
  app.use(underPrefix('/exploitation', operatorsRouter(deps)));
  // One router under '/:town': the path is matched and the town decoded once per request,
  // not once per middleware as `app.use('/:town', a, b, …)` does (a layer each; issue 13's
  // profile of the home page). Inside it every layer is mounted at '/', which matches
  // without a regular expression; mergeParams hands them `req.params.town`.
  const townArea = Router({ mergeParams: true });
  app.use('/:town', townArea);
  townArea.use(
    townMiddleware(pool),
    loadAccount(pool, deps.clock),
    loadAgent(pool, deps.clock),
    townMenuMiddleware(deps),
    // Each area behind its path prefix, so a request walks only its own area's routes. The
    // parent's space also holds two public pages of its features (checking a document,
    // simulating tariffs), kept beside their signed-in pages.
    underPrefix(
      ['/mon-espace', '/confirmer-courriel', '/verifier-un-document', '/simulation-des-tarifs'],
      Router().use(
        dashboardRouter(deps),
        requestsRouter(deps),
        familyRouter(deps),
        contactRouter(deps),
        reservationsRouter(deps),
        absencesRouter(deps),
        documentsRouter(deps),
        paymentsRouter(deps),
        invoicesRouter(deps),
        documentEditionsRouter(deps),
        dataRightsRouter(deps),
        tariffSimulationRouter(deps),
        quotientRouter(deps),
        directDebitRouter(deps),
        enrolmentRouter(deps),
        renewalRouter(deps),
        schoolEnrolmentRouter(deps),
        surveyRouter(deps),
        remindersRouter(deps),
        calendarFeedRouter(deps),
        accountClosingRouter(deps),
        proceduresRouter(deps),
      ),
    ),
    underPrefix('/agents', backOfficeRouter(deps)),
    underPrefix('/creer-mon-espace', signupRouter(deps)),
    underPrefix(['/paiement', '/banque-de-demonstration'], paymentPagesRouter(deps)),
    townRouter(deps),
    activityOfferRouter(deps),
    practicalInfoRouter(deps),
    newsRouter(deps),
    franceConnectRouter(deps),
    authRouter(deps),
  );

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
