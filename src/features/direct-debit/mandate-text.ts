/**
 * The standard wording of a SEPA core mandate (EPC rulebook, French version), shown beside
 * the consent box and printed on the PDF: the same words on both.
 */
export function mandateAuthorisation(creditorName: string): string {
  return (
    `En signant ce formulaire de mandat, vous autorisez ${creditorName} à envoyer des instructions à votre banque pour débiter ` +
    `votre compte, et votre banque à débiter votre compte conformément aux instructions de ${creditorName}.`
  );
}

export const MANDATE_RIGHTS =
  'Vous bénéficiez du droit d’être remboursé par votre banque selon les conditions décrites dans la convention que vous avez ' +
  'passée avec elle. Une demande de remboursement doit être présentée dans les 8 semaines suivant la date de débit de votre ' +
  'compte pour un prélèvement autorisé. Vos droits concernant le présent mandat sont expliqués dans un document que vous ' +
  'pouvez obtenir auprès de votre banque.';

/** The consent box's label: the parent's own words of the authorisation. */
export function consentLabel(creditorName: string): string {
  return (
    `J’autorise ${creditorName} à envoyer des instructions à ma banque pour débiter mon compte, et ma banque à débiter ` +
    `mon compte conformément aux instructions de ${creditorName}.`
  );
}
