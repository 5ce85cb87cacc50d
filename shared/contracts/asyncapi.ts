import { z } from 'zod';
import { DIALECT_HUBS } from './dialects.js';
import { CONTRACTS } from './index.js';

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
};
const key = (...parts: string[]): string => parts.join('.').replace(/[^A-Za-z0-9._-]/g, '_');

/** A hub method as registered (hub name, method, summary, positional-argument tuple schema). */
export interface HubMethodInfo {
  hub: string;
  method: string;
  summary: string;
  args: z.ZodType;
}

/**
 * The AsyncAPI 3.0 document of every dialect: one channel per hub (its address is the URL clients pass to withUrl),
 * a `receive` operation per hub method (client → server invocation) and a `send` operation per event. Payloads are
 * the positional arguments as a JSON array (prefixItems), generated from the schemas that validate them.
 */
export function buildAsyncApi(methods: readonly HubMethodInfo[], serverUrl: string): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  for (const h of DIALECT_HUBS) {
    const channelMessages: Json = {};
    const events = CONTRACTS[h.dialect].events[h.family] ?? {};
    for (const [name, schema] of Object.entries(events)) {
      const id = key(h.hub, 'event', name);
      messages[id] = { name, title: name, summary: `${name} (server → client)`, payload: jsonSchema(schema, 'output') };
      channelMessages[id] = { $ref: `#/components/messages/${id}` };
      operations[key(h.hub, 'on', name)] = {
        action: 'send',
        channel: { $ref: `#/channels/${h.hub}` },
        summary: `Server → client event ${name}`,
        messages: [{ $ref: `#/channels/${h.hub}/messages/${id}` }],
      };
    }
    for (const m of methods.filter((x) => x.hub === h.hub)) {
      const id = key(h.hub, 'invoke', m.method);
      messages[id] = { name: m.method, title: m.method, summary: m.summary, payload: jsonSchema(m.args, 'input') };
      channelMessages[id] = { $ref: `#/components/messages/${id}` };
      operations[key(h.hub, 'invoke', m.method)] = {
        action: 'receive',
        channel: { $ref: `#/channels/${h.hub}` },
        summary: m.summary,
        messages: [{ $ref: `#/channels/${h.hub}/messages/${id}` }],
      };
    }
    channels[h.hub] = {
      address: h.url,
      title: `${h.dialect} ${h.family} hub`,
      description: `SignalR hub "${h.hub}" (JSON hub protocol). Connect with withUrl("<base>${h.url}"); negotiate is POST <base>${h.url}/negotiate. Dialect ${h.dialect}: served only when CLIENT_CONTRACTS lists it.`,
      servers: [{ $ref: '#/servers/functions' }],
      messages: channelMessages,
    };
  }
  const server = new URL(serverUrl);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat backend realtime contracts',
      version: '1.0.0',
      description:
        'Every SignalR hub of every client contract (native, listo, spec). Generated from shared/contracts. Each message payload is the invocation’s positional arguments.',
    },
    defaultContentType: 'application/json',
    servers: {
      functions: {
        host: server.host,
        protocol: server.protocol.replace(':', ''),
        description: 'The Functions app; negotiate redirects to the SignalR Service',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
