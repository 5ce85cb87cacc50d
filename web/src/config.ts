/** Where the backend is: `config.json` next to index.html (edit it on any static host, no rebuild), else the
 * VITE_CHAT_API_BASE_URL the client was built with, else this page's own origin. */
export async function loadConfig(): Promise<{ apiBaseUrl: string }> {
  const built = (import.meta.env.VITE_CHAT_API_BASE_URL ?? '').replace(/\/+$/, '');
  try {
    const r = await fetch('./config.json', { cache: 'no-store' });
    if (r.ok) {
      const runtime = ((await r.json()) as { apiBaseUrl?: unknown }).apiBaseUrl;
      if (typeof runtime === 'string' && runtime.trim()) return { apiBaseUrl: runtime.trim().replace(/\/+$/, '') };
    }
  } catch {
    // no runtime config: the built-in base URL
  }
  return { apiBaseUrl: built };
}
