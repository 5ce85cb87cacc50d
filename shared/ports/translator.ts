/** One text translated into one or more languages. */
export interface Translated {
  /** The language the Translator detected in the source text; null when it could not tell. */
  detectedLanguage: string | null;
  /** One per requested language, in the order asked. */
  translations: { language: string; text: string }[];
}

/**
 * Machine translation (Azure AI Translator). Failures are AppErrors: `unavailable` (503, with retryAfterSeconds when
 * the service said when to come back) or `validation` for a language it does not support.
 */
export interface Translator {
  /** Into each of `to`; the source language is detected unless `from` names it. */
  translate(text: string, to: string[], from?: string): Promise<Translated>;
  /** The language of the text, or null when the Translator cannot tell. */
  detect(text: string): Promise<string | null>;
}
