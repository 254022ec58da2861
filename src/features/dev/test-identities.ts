/**
 * The test identities of the built-in provider (issue 18): FranceConnect's claims for parents.
 * Invented people; `birthplace` and `birthcountry` are INSEE codes, as FranceConnect sends them.
 */
export interface TestIdentity {
  id: string;
  label: string;
  claims: Record<string, string>;
}

export const TEST_IDENTITIES: readonly TestIdentity[] = [
  {
    id: 'fc-angela-dubois',
    label: 'Angela Claire Louise DUBOIS, née le 24 août 1962 à Paris 7e',
    claims: {
      given_name: 'Angela Claire Louise',
      family_name: 'DUBOIS',
      birthdate: '1962-08-24',
      birthplace: '75107',
      birthcountry: '99100',
      gender: 'female',
      email: 'angela.dubois@exemple.fr',
    },
  },
  {
    id: 'fc-pierre-mercier',
    label: 'Pierre MERCIER, né le 3 mars 1985 à Bayonne',
    claims: {
      given_name: 'Pierre',
      family_name: 'MERCIER',
      birthdate: '1985-03-03',
      birthplace: '64102',
      birthcountry: '99100',
      gender: 'male',
      email: 'pierre.mercier@exemple.fr',
    },
  },
  {
    id: 'fc-amina-benali',
    label: 'Amina BENALI, née le 12 novembre 1990 au Maroc',
    claims: {
      given_name: 'Amina',
      family_name: 'BENALI',
      birthdate: '1990-11-12',
      birthplace: '',
      birthcountry: '99350',
      gender: 'female',
      email: 'amina.benali@exemple.fr',
    },
  },
];

export function findTestIdentity(id: string): TestIdentity | undefined {
  return [...TEST_IDENTITIES, ...TEST_AGENT_IDENTITIES].find((identity) => identity.id === id);
}

/** ProConnect's claims for agents: a professional email, the employer's SIRET. */
export const TEST_AGENT_IDENTITIES: readonly TestIdentity[] = [
  {
    id: 'pc-claire-martin',
    label: 'Claire MARTIN, claire.martin@mairie.exemple.fr',
    claims: {
      email: 'claire.martin@mairie.exemple.fr',
      given_name: 'Claire',
      usual_name: 'MARTIN',
      siret: '21400312300015',
      uid: 'pc-claire-martin',
    },
  },
  {
    id: 'pc-paul-durand',
    label: 'Paul DURAND, paul.durand@mairie.exemple.fr',
    claims: {
      email: 'paul.durand@mairie.exemple.fr',
      given_name: 'Paul',
      usual_name: 'DURAND',
      siret: '21400312300015',
      uid: 'pc-paul-durand',
    },
  },
];
