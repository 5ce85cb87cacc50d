/**
 * Headers on every API answer: JSON is never sniffed as HTML, never framed, loads nothing, and leaks no referrer.
 * (Browsers ignore CSP on JSON they only fetch; it matters when a crafted answer is opened as a page.)
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
