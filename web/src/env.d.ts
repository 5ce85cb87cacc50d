/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Backend base URL baked in at build time (e.g. https://chat-func.azurewebsites.net); empty = this page's origin. */
  readonly VITE_CHAT_API_BASE_URL?: string;
}
