import type { LinkResult } from './franceconnect.service.js';

/** Why the sign-in was refused, in the parent's words; the log gets the library's code, never a token. */
export const CANCELLED =
  'Vous avez annulé la connexion avec FranceConnect. Vous pouvez vous connecter avec votre identifiant et votre mot de passe.';
export const REFUSED =
  "La connexion avec FranceConnect n'a pas pu aboutir : la réponse reçue n'a pas pu être vérifiée. Vous n'êtes pas connecté. Réessayez depuis la page d'accueil.";
export const UNAVAILABLE =
  'FranceConnect ne répond pas pour le moment. Réessayez plus tard, ou connectez-vous avec votre identifiant et votre mot de passe.';
export const UNUSABLE = 'Le compte lié à cette identité FranceConnect ne peut pas être ouvert. Contactez la mairie.';
export const UNCONFIRMED =
  "Votre adresse courriel n'est pas encore confirmée : ouvrez le lien du courriel reçu à la création de votre espace, puis reconnectez-vous avec FranceConnect.";

export const LINK_ERRORS: Record<Exclude<LinkResult, { ok: true }>['reason'], string> = {
  credentials: 'Identifiant ou mot de passe incorrect',
  challenge: "Trop de tentatives : connectez-vous d'abord avec le formulaire de la page d'accueil, puis revenez à FranceConnect.",
  temporary:
    "Ce compte a encore un mot de passe provisoire : connectez-vous d'abord avec le formulaire de la page d'accueil pour choisir votre mot de passe.",
  'already-linked':
    'Ce compte est déjà lié à une autre identité FranceConnect. Déliez-la depuis « Mes identifiants » avant de lier celle-ci.',
  'identity-taken': 'Cette identité FranceConnect est déjà liée à un autre compte.',
};
