import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { PAYFIP_SERVICE_NS, SOAP_ENVELOPE_NS, xmlEscape } from '../../src/features/payments/payfip/payfip-soap.js';

/**
 * A local stand-in for PayFiP's régie web service (the real one cannot be reached from
 * here), answering its three SOAP operations as the documentation and the integrations we
 * read describe them: creerPaiementSecurise returns a fresh idOp; recupererDetailPaiementSecurise
 * faults P5 until the test has the family pay (or refuse, or leave), then returns the detail,
 * and faults P1 for an idOp it does not know (or one the test purged, as PayFiP's nightly job
 * does); recupererDetailClient returns a known régie's labels. Unknown client numbers and
 * malformed fields get FonctionnelleErreur faults (their real codes are not in what we read:
 * these are the fake's). Every request is kept, so tests can check what was sent.
 */

export type Resultrans = 'P' | 'V' | 'R' | 'Z' | 'A';

export interface FakeOperation {
  idOp: string;
  /** The fields creerPaiementSecurise received, as sent. */
  request: Record<string, string>;
  /** Set by `settle`: what recupererDetailPaiementSecurise returns from then on. */
  outcome: Record<string, string> | null;
}

export interface FakePayfip {
  /** The web service's endpoint (PAYFIP_WS_URL). */
  wsUrl: string;
  /** A payment page address the provider builds its redirect from (PAYFIP_PAYMENT_URL). */
  paymentUrl: string;
  operations: Map<string, FakeOperation>;
  /** Every SOAP request: its operation and its `arg0` fields, as the fake read them. */
  requests: { operation: string; fields: Record<string, string>; raw: string }[];
  /** The family finishes at PayFiP with this result; `overrides` change what the detail reports (a tampered amount…). */
  settle(idOp: string, resultrans: Resultrans, overrides?: Record<string, string>): void;
  /** PayFiP's nightly purge: the idOp becomes unknown (P1). */
  purge(idOp: string): void;
  /** The next call answers with this instead: a technical fault, a bare HTTP 503, or nothing for `ms`. */
  failNext(failure: { kind: 'technical' } | { kind: 'http'; status: number } | { kind: 'delay'; ms: number }): void;
  close(): Promise<void>;
}

const CLIENTS: Record<string, [string, string, string]> = {
  '123456': ['REGIE ENFANCE', 'COMMUNE DE TARNOS', 'ALSH ET RESTAURATION'],
  '654321': ['REGIE PERISCOLAIRE', 'COMMUNE DE BAYEUX', ''],
};

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="${SOAP_ENVELOPE_NS}"><S:Body>${body}</S:Body></S:Envelope>`;
}

function result(operation: string, fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return envelope(`<ns2:${operation}Response xmlns:ns2="${PAYFIP_SERVICE_NS}"><return>${inner}</return></ns2:${operation}Response>`);
}

function fault(type: string, code: string, libelle: string, descriptif: string): string {
  return envelope(
    `<S:Fault><faultcode>S:Server</faultcode><faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.${type}</faultstring>` +
      `<detail><ns1:${type} xmlns:ns1="${PAYFIP_SERVICE_NS}"><code>${code}</code><descriptif>${xmlEscape(descriptif)}</descriptif>` +
      `<libelle>${xmlEscape(libelle)}</libelle><severite>2</severite></ns1:${type}></detail></S:Fault>`,
  );
}

const functional = (code: string, libelle: string) => fault('FonctionnelleErreur', code, libelle, libelle);

function createOperation(f: Record<string, string>): { status: number; xml: string; op?: FakeOperation } {
  if (!CLIENTS[f.numcli ?? '']) return { status: 500, xml: functional('C1', 'Numéro client inconnu ou inactif') };
  if (!/^[A-Za-z0-9]{1,30}$/.test(f.refdet ?? '')) return { status: 500, xml: functional('R3', 'Format de la référence invalide') };
  if (!/^[0-9]{1,11}$/.test(f.montant ?? '') || Number(f.montant) < 100) return { status: 500, xml: functional('M3', 'Montant invalide') };
  if (!/^[0-9]{4}$/.test(f.exer ?? '')) return { status: 500, xml: functional('E3', 'Exercice invalide') };
  if (!['T', 'X', 'W'].includes(f.saisie ?? '')) return { status: 500, xml: functional('S3', 'Type de saisie invalide') };
  if (!(f.mel ?? '').includes('@')) return { status: 500, xml: functional('A3', 'Adresse électronique invalide') };
  if (f.objet !== undefined && !/^[A-Za-z0-9 ]{0,100}$/.test(f.objet)) return { status: 500, xml: functional('O3', 'Objet invalide') };
  if (!/^https?:\/\//.test(f.urlnotif ?? '') || !/^https?:\/\//.test(f.urlredirect ?? ''))
    return { status: 500, xml: functional('U3', 'URL invalide') };
  const op: FakeOperation = { idOp: crypto.randomUUID(), request: f, outcome: null };
  return { status: 200, xml: result('creerPaiementSecurise', { idOp: op.idOp }), op };
}

export async function startFakePayfip(): Promise<FakePayfip> {
  const operations = new Map<string, FakeOperation>();
  const requests: FakePayfip['requests'] = [];
  let next: Parameters<FakePayfip['failNext']>[0] | null = null;

  function answer(raw: string): { status: number; xml: string } {
    const doc = parser.parse(raw) as { Envelope?: { Body?: Record<string, { arg0?: Record<string, unknown> }> } };
    const [operation, call] = Object.entries(doc.Envelope?.Body ?? {})[0] ?? ['', {}];
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(call?.arg0 ?? {})) fields[k] = String(v);
    requests.push({ operation, fields, raw });
    switch (operation) {
      case 'creerPaiementSecurise': {
        const created = createOperation(fields);
        if (created.op) operations.set(created.op.idOp, created.op);
        return created;
      }
      case 'recupererDetailPaiementSecurise': {
        const op = operations.get(fields.idOp ?? '');
        if (!op) return { status: 500, xml: functional('P1', 'IdOp incorrect') };
        if (!op.outcome) return { status: 500, xml: functional('P5', 'Résultat de la transaction non connu') };
        return { status: 200, xml: result(operation, op.outcome) };
      }
      case 'recupererDetailClient': {
        const labels = CLIENTS[fields.numCli ?? ''];
        if (!labels) return { status: 500, xml: functional('C1', 'Numéro client inconnu ou inactif') };
        return {
          status: 200,
          xml: result(operation, { numcli: fields.numCli!, libelleN1: labels[0], libelleN2: labels[1], libelleN3: labels[2] }),
        };
      }
      default:
        return { status: 500, xml: fault('TechProtocolaireErreur', 'T1', 'Opération inconnue', `Opération inconnue : ${operation}`) };
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const failure = next;
      next = null;
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(xml);
      };
      if (failure?.kind === 'delay') {
        const timer = setTimeout(() => {
          const a = answer(Buffer.concat(chunks).toString('utf8'));
          send(a.status, a.xml);
        }, failure.ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (failure?.kind === 'http') return send(failure.status, '<html><body>Service indisponible</body></html>');
      if (failure?.kind === 'technical')
        return send(500, fault('TechIndisponibiliteErreur', 'T2', 'Service indisponible', 'Le service est momentanément indisponible'));
      if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('text/xml'))
        return send(500, fault('TechProtocolaireErreur', 'T1', 'Requête invalide', 'Une requête SOAP 1.1 est attendue'));
      const a = answer(Buffer.concat(chunks).toString('utf8'));
      send(a.status, a.xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    wsUrl: `${base}/tpa/services/securite`,
    paymentUrl: `${base}/tpa/paiementws.web`,
    operations,
    requests,
    settle(idOp, resultrans, overrides = {}) {
      const op = operations.get(idOp);
      if (!op) throw new Error(`fake PayFiP: no operation ${idOp}`);
      const paid = resultrans === 'P' || resultrans === 'V';
      op.outcome = {
        dattrans: '02122026',
        exer: op.request.exer!,
        heurtrans: '1012',
        idOp,
        mel: op.request.mel!,
        montant: op.request.montant!,
        numauto: paid ? '112233' : '',
        numcli: op.request.numcli!,
        objet: op.request.objet ?? '',
        refdet: op.request.refdet!,
        resultrans,
        saisie: op.request.saisie!,
        ...overrides,
      };
    },
    purge(idOp) {
      operations.delete(idOp);
    },
    failNext(failure) {
      next = failure;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
