import type { HubName } from '../domain/events.js';

/** The client contracts one backend serves side by side, each on its own SignalR hubs. */
export const DIALECTS = ['native', 'listo', 'spec'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface DialectHub {
  dialect: Dialect;
  /** Which use cases' events it carries: the messaging or the notifications family. */
  family: HubName;
  /** Hub name on the SignalR Service (lower case: the service lower-cases it anyway). */
  hub: string;
  /** What a client passes to `withUrl`, after the base URL; negotiate is this + `/negotiate`. */
  url: string;
}

/** Every hub of every dialect. The native ones keep their names and URLs (the contract never changes). */
export const DIALECT_HUBS: readonly DialectHub[] = [
  { dialect: 'native', family: 'messaging', hub: 'messaging', url: '/api' },
  { dialect: 'native', family: 'notifications', hub: 'notifications', url: '/api/notifications' },
  { dialect: 'listo', family: 'messaging', hub: 'listo_messaging', url: '/hubs/messaging' },
  { dialect: 'listo', family: 'notifications', hub: 'listo_notifications', url: '/hubs/notifications' },
  { dialect: 'spec', family: 'messaging', hub: 'spec_chat', url: '/hubs/chat' },
];

export const hubOf = (dialect: Dialect, family: HubName): DialectHub | undefined =>
  DIALECT_HUBS.find((h) => h.dialect === dialect && h.family === family);

/** The dialect hub behind a service hub name (case-insensitive, as the service treats hub names). */
export const dialectHub = (hub: string): DialectHub | undefined =>
  DIALECT_HUBS.find((h) => h.hub === hub.toLowerCase());
