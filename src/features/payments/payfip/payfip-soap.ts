import { XMLParser } from 'fast-xml-parser';

/**
 * The SOAP 1.1 plumbing of PayFiP's régie web service (DGFiP), written by hand rather than
 * through a WSDL client: the published WSDL points to schemas that cannot be resolved
 * (eopayment ships its own copy for that reason), and three operations with flat string
 * fields do not need one. Shapes as eopayment's payfip_ws.py and OCA's payment_payfip send
 * and read them: the operation in the service's namespace, its parameters unqualified
 * inside `<arg0>`, the answer's fields inside `<return>`, errors as SOAP faults whose
 * detail holds a `FonctionnelleErreur` (or a `Tech…Erreur`) with `code`, `libelle`,
 * `descriptif` and `severite`.
 */

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const PAYFIP_SERVICE_NS =
  'http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService';

export type PayfipOperation = 'creerPaiementSecurise' | 'recupererDetailPaiementSecurise' | 'recupererDetailClient';

/** Why a call to PayFiP gave no usable answer. `fault`: PayFiP answered with an error of its own. */
export type PayfipErrorKind = 'fault' | 'timeout' | 'network' | 'http' | 'protocol';

/** A call to PayFiP that failed; the payments service logs it (event 'error') and tries again later. */
export class PayfipError extends Error {
  readonly kind: PayfipErrorKind;
  /** PayFiP's error code (P1, P5…) for a fault. */
  readonly code: string | null;
  /** The fault's type: FonctionnelleErreur, TechIndisponibiliteErreur… */
  readonly faultType: string | null;
  constructor(kind: PayfipErrorKind, message: string, fault?: { code: string | null; faultType: string | null }) {
    super(message);
    this.name = 'PayfipError';
    this.kind = kind;
    this.code = fault?.code ?? null;
    this.faultType = fault?.faultType ?? null;
  }
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside an element or an attribute. Characters XML 1.0 cannot carry at all are dropped. */
export function xmlEscape(value: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are exactly what is removed
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** The request of one operation; fields with an undefined value are left out (PayFiP's optional `objet`). */
export function soapRequest(operation: PayfipOperation, fields: [name: string, value: string | undefined][]): string {
  const args = fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NS}" xmlns:pai="${PAYFIP_SERVICE_NS}">` +
    `<soapenv:Header/><soapenv:Body><pai:${operation}><arg0>${args}</arg0></pai:${operation}></soapenv:Body></soapenv:Envelope>`
  );
}

export type SoapAnswer =
  | { kind: 'result'; fields: Record<string, string> }
  | {
      kind: 'fault';
      faultString: string;
      /** FonctionnelleErreur, TechDysfonctionnementErreur, TechIndisponibiliteErreur, TechProtocolaireErreur, or null. */
      faultType: string | null;
      code: string | null;
      libelle: string | null;
      descriptif: string | null;
    };

const FAULT_TYPES = ['FonctionnelleErreur', 'TechDysfonctionnementErreur', 'TechIndisponibiliteErreur', 'TechProtocolaireErreur'];

// Every value stays a string (a numcli "012345" is not a number), namespaces are dropped so
// that a prefix PayFiP picks does not matter, and entities are limited to XML's own five.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** The flat string fields of an element (`<return>`): anything nested or repeated is not PayFiP's and is left out. */
function flatFields(node: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!isNode(node)) return fields;
  for (const [key, value] of Object.entries(node)) {
    const t = text(value);
    if (t !== null) fields[key] = t;
  }
  return fields;
}

/**
 * Reads PayFiP's answer to `operation`: its `<return>` fields, or its fault. Undefined for
 * anything else (HTML of a proxy's error page, a truncated body): the caller treats that as
 * a protocol error. A document type declaration is refused outright: PayFiP sends none, and
 * it is how entity expansion attacks start.
 */
export function parseSoapAnswer(xml: string, operation: PayfipOperation): SoapAnswer | undefined {
  if (/<!DOCTYPE/i.test(xml)) return undefined;
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return undefined;
  }
  const envelope = isNode(doc) ? doc.Envelope : undefined;
  const body = isNode(envelope) ? envelope.Body : undefined;
  if (!isNode(body)) return undefined;
  const fault = body.Fault;
  if (isNode(fault)) {
    const detail = isNode(fault.detail) ? fault.detail : {};
    const faultType = FAULT_TYPES.find((t) => isNode(detail[t])) ?? null;
    const f = faultType ? flatFields(detail[faultType]) : {};
    return {
      kind: 'fault',
      faultString: text(fault.faultstring) ?? '',
      faultType,
      code: f.code ?? null,
      libelle: f.libelle ?? null,
      descriptif: f.descriptif ?? null,
    };
  }
  const response = body[`${operation}Response`];
  if (!isNode(response) || !isNode(response.return)) return undefined;
  return { kind: 'result', fields: flatFields(response.return) };
}

export interface SoapCallOptions {
  url: string;
  timeoutMs: number;
}

/**
 * Calls one operation and returns its `<return>` fields. A fault becomes a PayfipError of
 * kind 'fault' carrying PayFiP's code; no answer within `timeoutMs`, a refused connection,
 * an HTTP error without a fault or an unreadable body are PayfipErrors too, so that a caller
 * has one thing to catch.
 */
export async function callPayfip(
  options: SoapCallOptions,
  operation: PayfipOperation,
  fields: [name: string, value: string | undefined][],
): Promise<Record<string, string>> {
  let res: Response;
  let body: string;
  try {
    res = await fetch(options.url, {
      method: 'POST',
      // SOAP 1.1 requires the header; PayFiP's binding declares an empty action.
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', accept: 'text/xml' },
      body: soapRequest(operation, fields),
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    body = await res.text();
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new PayfipError('timeout', `PayFiP did not answer ${operation} within ${options.timeoutMs} ms`);
    throw new PayfipError('network', `PayFiP could not be reached for ${operation}: ${(err as Error).message}`);
  }
  const answer = parseSoapAnswer(body, operation);
  if (answer?.kind === 'fault') {
    const what = [answer.faultType ?? answer.faultString, answer.code, answer.descriptif ?? answer.libelle].filter(Boolean).join(' ');
    throw new PayfipError('fault', `PayFiP refused ${operation}: ${what}`, { code: answer.code, faultType: answer.faultType });
  }
  if (!res.ok) throw new PayfipError('http', `PayFiP answered ${operation} with HTTP ${res.status}`);
  if (!answer) throw new PayfipError('protocol', `PayFiP's answer to ${operation} is not the expected SOAP response`);
  return answer.fields;
}
