import { describe, expect, it } from 'vitest';
import { parseSoapAnswer, soapRequest, xmlEscape } from './payfip-soap.js';

const env = (body: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;

describe('PayFiP SOAP', () => {
  it('writes the operation in the service namespace with its fields unqualified in arg0, escaped, leaving out undefined ones', () => {
    const xml = soapRequest('creerPaiementSecurise', [
      ['refdet', 'A1'],
      ['objet', undefined],
      ['urlredirect', 'https://x.test/r?a=1&b="2"<>'],
    ]);
    expect(xml).toContain(
      '<pai:creerPaiementSecurise><arg0><refdet>A1</refdet><urlredirect>https://x.test/r?a=1&amp;b=&quot;2&quot;&lt;&gt;</urlredirect></arg0></pai:creerPaiementSecurise>',
    );
    expect(xml).toContain(
      'xmlns:pai="http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/PaiementSecuriseService"',
    );
    expect(xmlEscape('a\u0000b\u0008c\td')).toBe('abc\td');
  });

  it('reads the return’s fields whatever prefixes PayFiP uses, keeping leading zeros and empty values as strings', () => {
    const xml = env(
      '<ns2:recupererDetailClientResponse xmlns:ns2="urn:x"><return xmlns:r="urn:r"><r:numcli>012345</r:numcli><r:libelleN1>R &amp; D</r:libelleN1><r:libelleN3></r:libelleN3></return></ns2:recupererDetailClientResponse>',
    );
    expect(parseSoapAnswer(xml, 'recupererDetailClient')).toEqual({
      kind: 'result',
      fields: { numcli: '012345', libelleN1: 'R & D', libelleN3: '' },
    });
  });

  it('reads a fault’s type and code from its detail', () => {
    const xml = env(
      '<soap:Fault><faultcode>soap:Server</faultcode><faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring><detail><ns1:FonctionnelleErreur xmlns:ns1="urn:s"><code>P5</code><descriptif>Résultat inconnu</descriptif><libelle>L</libelle><severite>2</severite></ns1:FonctionnelleErreur></detail></soap:Fault>',
    );
    expect(parseSoapAnswer(xml, 'recupererDetailPaiementSecurise')).toEqual({
      kind: 'fault',
      faultString: 'fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur',
      faultType: 'FonctionnelleErreur',
      code: 'P5',
      libelle: 'L',
      descriptif: 'Résultat inconnu',
    });
  });

  it('gives nothing for an HTML page, another operation’s answer, broken XML or a document type declaration', () => {
    expect(parseSoapAnswer('<html><body>502 Bad Gateway</body></html>', 'creerPaiementSecurise')).toBeUndefined();
    expect(
      parseSoapAnswer(
        env('<x:recupererDetailClientResponse xmlns:x="u"><return/></x:recupererDetailClientResponse>'),
        'creerPaiementSecurise',
      ),
    ).toBeUndefined();
    expect(parseSoapAnswer('<soap:Envelope><soap:Body', 'creerPaiementSecurise')).toBeUndefined();
    const bomb = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${env('<creerPaiementSecuriseResponse><return><idOp>&b;</idOp></return></creerPaiementSecuriseResponse>')}`;
    expect(parseSoapAnswer(bomb, 'creerPaiementSecurise')).toBeUndefined();
  });
});
