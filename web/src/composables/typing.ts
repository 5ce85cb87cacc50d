import type { Realtime } from '../client/realtime.js';

/** conversationId → userId → true while they type. */
export type Typists = Record<string, Record<string, true>>;

const TYPING_SEND_EVERY_MS = 3_000;
const TYPING_IDLE_MS = 5_000;
/** The server forgets a typist after 10 s; a lost "stopped" event must not leave the indicator on forever. */
const TYPING_SHOW_MS = 10_000;

/** The typing indicator both ways: my keystrokes to StartTyping/StopTyping, others' events into `typing`. */
export function useTyping(me: string, realtime: Realtime, typing: Typists) {
  let typingSentAt = 0;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  const typingExpiry = new Map<string, ReturnType<typeof setTimeout>>();

  /** Call on every keystroke: StartTyping at most every 3 s, StopTyping after 5 s without keys. */
  function typed(id: string): void {
    if (!realtime.connected) return;
    if (Date.now() - typingSentAt > TYPING_SEND_EVERY_MS) {
      typingSentAt = Date.now();
      realtime.startTyping(id).catch(() => undefined);
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(() => stopTyping(id), TYPING_IDLE_MS);
  }

  function stopTyping(id: string): void {
    clearTimeout(typingIdle);
    if (typingSentAt === 0) return;
    typingSentAt = 0;
    if (realtime.connected) realtime.stopTyping(id).catch(() => undefined);
  }

  function setTyping(conversationId: string, userId: string, on: boolean): void {
    const key = `${conversationId}\n${userId}`;
    clearTimeout(typingExpiry.get(key));
    typingExpiry.delete(key);
    typing[conversationId] ??= {};
    // why: read back through the reactive proxy (`??=` yields the raw object, whose changes no view would see)
    const list = typing[conversationId];
    if (!on) {
      delete list[userId];
      return;
    }
    list[userId] = true;
    typingExpiry.set(
      key,
      setTimeout(() => setTyping(conversationId, userId, false), TYPING_SHOW_MS),
    );
  }

  const setTypists = (id: string, users: string[]) => {
    for (const u of users) if (u !== me) setTyping(id, u, true);
  };

  return { typed, stopTyping, setTyping, setTypists };
}
