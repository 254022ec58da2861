/**
 * The failures a handler may throw on purpose. The error middleware turns each into its
 * French page; anything else is a 500 with a reference number and no details.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Unknown town, unknown object, or an object that belongs to someone else: the same 404. */
export class NotFoundError extends HttpError {
  constructor(message = 'not found') {
    super(404, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'forbidden') {
    super(403, message);
  }
}

/** The CSRF token was missing or did not match the session's (often: the session expired). */
export class CsrfError extends HttpError {
  constructor() {
    super(403, 'invalid csrf token');
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too many requests');
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(message = 'service unavailable') {
    super(503, message);
  }
}
