import { pdfDocument } from '../../../lib/pdf.js';
import type { TownService } from '../../../repositories/towns.repository.js';

/**
 * The "courrier" of seed 000: a letter that gives the family its Clé Enfance and tells
 * them how to create their space with it. A tagged PDF (PDF 1.7, structure tree, language
 * fr-FR, title shown instead of the file name) so a screen reader reads it in order, with
 * its headings and its list; set up as the billing documents are (src/lib/pdf.ts), in
 * embedded DejaVu, so any name or address the town typed is drawn as typed.
 */
export interface LetterInput {
  townName: string;
  /** `${PUBLIC_BASE_URL}/<town>/`, where the family creates its space. */
  townUrl: string;
  familyName: string;
  /** The people the letter is addressed to ("M. Jean DUPONT"); may be empty. */
  recipients: string[];
  addressLine: string;
  postalCode: string;
  city: string;
  cleEnfance: string;
  /** "23 novembre 2026" */
  date: string;
  /** The PDF's creation date (from the injected clock). */
  createdAt: Date;
  services: TownService[];
}

const MARGIN = 56;

/** French spacing: a no-break space inside « » and before : ; ! ?. */
function frenchSpaces(value: string): string {
  return value
    .replace(/« /g, '«\u00a0')
    .replace(/ »/g, '\u00a0»')
    .replace(/ ([:;!?])/g, '\u00a0$1');
}

export function renderCleEnfanceLetter(input: LetterInput): Promise<Buffer> {
  const t = frenchSpaces;
  const { doc, width, root, block, finish } = pdfDocument(
    {
      title: t(`Votre clé Enfance – Famille ${input.familyName.toUpperCase()}`),
      author: t(input.townName),
      subject: t('Création de votre espace famille avec votre clé Enfance'),
      createdAt: input.createdAt,
    },
    MARGIN,
  );
  const paragraph = (text: string, options: PDFKit.Mixins.TextOptions = {}) =>
    block('P', () => {
      doc
        .font('regular')
        .fontSize(11)
        .fillColor('#000000')
        .text(t(text), { width, lineGap: 2, ...options });
    });
  const heading = (level: 'H1' | 'H2', text: string) =>
    block(level, () => {
      doc.moveDown(level === 'H1' ? 1 : 0.8);
      doc
        .font('bold')
        .fontSize(level === 'H1' ? 18 : 13)
        .fillColor('#000000')
        .text(t(text), { width });
      doc.moveDown(0.3);
    });

  // Sender: the town.
  block('P', () => {
    doc.font('bold').fontSize(12).text(t(input.townName), { width });
    doc.font('regular').fontSize(10).text('Espace Famille', { width });
  });

  // Recipient, where a window envelope shows it.
  block('P', () => {
    const lines = [
      `Famille ${input.familyName.toUpperCase()}`,
      ...input.recipients,
      input.addressLine,
      [input.postalCode, input.city.toUpperCase()].filter(Boolean).join(' '),
    ].filter((l) => l.trim() !== '');
    doc
      .font('regular')
      .fontSize(11)
      .text(t(lines.join('\n')), MARGIN + width / 2, MARGIN + 70, { width: width / 2, lineGap: 2 });
  });
  doc.x = MARGIN;
  doc.y = Math.max(doc.y, MARGIN + 170);
  paragraph(`Le ${input.date}`, { align: 'right' });

  heading('H1', 'Votre clé Enfance pour créer votre espace famille');
  paragraph('Madame, Monsieur,');
  doc.moveDown(0.5);
  paragraph(
    `${input.townName} met à votre disposition l’Espace Famille, votre espace personnel en ligne pour les démarches liées à la vie scolaire et aux activités de vos enfants. Pour relier votre espace au dossier de votre famille, voici votre clé Enfance :`,
  );
  block('P', () => {
    doc.moveDown(0.6);
    doc.font('mono-bold').fontSize(22).text(t(input.cleEnfance), { width, align: 'center', characterSpacing: 1 });
    doc.moveDown(0.6);
  });

  heading('H2', 'Comment créer votre espace personnel');
  const steps = [
    `Rendez-vous à l’adresse ${input.townUrl}`,
    'Cliquez sur « Créer mon espace », puis sur « Je crée mon espace ».',
    'Renseignez votre identité, votre adresse et vos moyens de contact. Votre adresse de courriel doit être valide : un lien vous y sera envoyé.',
    'À l’étape AUTHENTIFICATION, choisissez votre nom d’utilisateur et votre mot de passe, puis, dans le bloc SERVICES, saisissez votre clé Enfance sur la ligne « Enfance ».',
    'Validez, puis cliquez sur le lien du courriel de confirmation : votre espace est activé et déjà relié au dossier de votre famille.',
  ];
  const list = doc.struct('L');
  root.add(list);
  doc.font('regular').fontSize(11).fillColor('#000000');
  doc.list(
    steps.map((s) => t(s)),
    { width, listType: 'numbered', lineGap: 2, paragraphGap: 4, structParent: list, structTypes: ['LI', 'Lbl', 'LBody'] },
  );
  list.end();

  heading('H2', 'Bon à savoir');
  paragraph('Chaque parent peut créer son propre espace avec la même clé Enfance : vos deux espaces seront reliés au même dossier.');
  doc.moveDown(0.3);
  paragraph(
    'Gardez cette clé pour vous : elle donne accès au dossier de votre famille. Si vous pensez qu’une autre personne la connaît, demandez-en une nouvelle à nos services : l’ancienne cessera aussitôt de fonctionner.',
  );

  if (input.services.length > 0) {
    heading('H2', 'Besoin d’aide ?');
    paragraph('Nos services sont à votre disposition pour tout renseignement :');
    for (const s of input.services) {
      doc.moveDown(0.3);
      const lines = [s.name, s.address, s.phone ? `Tél. : ${s.phone}` : '', s.email ? `Courriel : ${s.email}` : ''].filter(Boolean);
      paragraph(lines.join('\n'));
    }
  }

  return finish();
}

/** An adult of the file as the letter addresses them: "Mme Sophie MARTIN". */
export function letterRecipient(adult: { civility: 'M' | 'Mme'; firstNames: string; lastName: string }): string {
  return `${adult.civility === 'M' ? 'M.' : 'Mme'} ${adult.firstNames} ${adult.lastName.toUpperCase()}`;
}

/** The letter's file name, ours and not typed: the family's name in plain ASCII ("cle-enfance-lefevre.pdf"). */
export function letterFileName(familyName: string): string {
  const slug = familyName
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `cle-enfance-${slug || 'famille'}.pdf`;
}
