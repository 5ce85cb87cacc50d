// `@userId` in message text → mentions. Only participants count: an @word that names nobody here stays plain text.

// why: ids may hold . : @ (IdSchema); an @ glued to a word is an e-mail address, not a mention
const MENTION = /(?<![\p{L}\p{N}_@.])@([A-Za-z0-9_\-.:@]+)/gu;

/** The participants the text mentions, in order of first mention, each once. */
export function mentionsInText(text: string, participants: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    // why: a sentence's full stop or colon after the name is not part of it ("thanks @bob.")
    let id = m[1] ?? '';
    while (id !== '' && !participants.has(id) && /[.:@-]$/.test(id)) id = id.slice(0, -1);
    if (participants.has(id) && !found.includes(id)) found.push(id);
  }
  return found;
}
