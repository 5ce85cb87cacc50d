import { type InjectionKey, inject } from 'vue';
import type { Session } from './session.js';

export const SESSION: InjectionKey<Session> = Symbol('session');

/** The signed-in session, provided by App to every component below it. */
export function useSession(): Session {
  const s = inject(SESSION);
  if (!s) throw new Error('useSession() outside a signed-in App');
  return s;
}
