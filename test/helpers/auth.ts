import type supertest from 'supertest';
import { csrfToken } from './app.js';

/** Signs in through the home page form, as a parent would. Returns the sign-in response. */
export async function signIn(agent: supertest.Agent, townSlug: string, identifiant: string, motDePasse: string) {
  const token = await csrfToken(agent, `/${townSlug}/`);
  return agent.post(`/${townSlug}/connexion`).type('form').send({ _csrf: token, identifiant, motDePasse });
}

/** Signs in to the back-office, as an agent would. */
export async function signInAgent(agent: supertest.Agent, townSlug: string, identifiant: string, motDePasse: string) {
  const token = await csrfToken(agent, `/${townSlug}/agents/connexion`);
  return agent.post(`/${townSlug}/agents/connexion`).type('form').send({ _csrf: token, identifiant, motDePasse });
}
