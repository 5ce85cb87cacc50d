import type { InboxEntry, Participant } from './client/types.js';

/** A conversation's name for this user: its title, else the other participants. */
export function titleOf(c: { title: string | null; participants: Participant[] }, me: string): string {
  if (c.title) return c.title;
  const others = c.participants.map((p) => p.userId).filter((u) => u !== me);
  return others.length > 0 ? others.join(', ') : me;
}

/** The other user of a direct conversation (for its online dot). */
export function peerOf(c: InboxEntry, me: string): string | null {
  if (c.type !== 'direct') return null;
  return c.participants.find((p) => p.userId !== me)?.userId ?? null;
}

export function timeOf(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "Today", "Yesterday", or the date: the thread's day separators. */
export function dayOf(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((start(now) - start(d)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return d.toLocaleDateString([], { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** Short time for the inbox: the time today, else the date. */
export function whenOf(iso: string | null, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toDateString() === now.toDateString()
    ? timeOf(iso)
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/**
 * Whether the server's `formattedContent` is only the text in one paragraph (most messages): then the text itself is
 * shown, with its @mentions set apart, rather than the HTML, which adds nothing.
 */
export const isPlainParagraph = (html: string): boolean => /^<p>[^<]*<\/p>$/.test(html.trim());
