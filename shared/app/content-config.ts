import type { ProfanityMode } from '../domain/content/profanity.js';
import type { MarkdownRenderer, ProfanityScanner } from '../ports/content.js';
import type { DataKeyProvider } from '../ports/keys.js';

/** The content pipeline's settings (CONTENT_* / PROFANITY_* / SPAM_*; README "Message content pipeline"). */
export interface ContentSettings {
  profanityMode: ProfanityMode;
  spam: {
    /** The same text more often than this within the window is refused (SPAM_REPEAT_MAX). */
    repeatMax: number;
    repeatWindowSeconds: number;
    /** A new sender may put at most this many links into one message (SPAM_NEW_SENDER_MAX_LINKS). */
    newSenderMaxLinks: number;
    /** A sender is new for this long after their first message (SPAM_NEW_SENDER_HOURS). */
    newSenderHours: number;
  };
  sensitiveData: boolean;
  emoticons: boolean;
  markdown: boolean;
}

/** What the processors call: settings, and the ports of those that are not pure functions. */
export interface ContentDeps {
  settings: ContentSettings;
  profanity: ProfanityScanner;
  markdown: MarkdownRenderer;
  keys: DataKeyProvider;
}
