/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Backend base URL baked in at build time (e.g. https://chat-func.azurewebsites.net); empty = this page's origin. */
  readonly VITE_CHAT_API_BASE_URL?: string;
}

// why: for ESLint's TypeScript service, which does not read .vue files; vue-tsc checks the real component types
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}
