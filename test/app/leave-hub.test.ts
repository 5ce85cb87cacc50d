import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installCoreApi,
  invokeRegistered,
  type Registration,
  registeredFunctions,
  triggerBinding,
  typedDataToValue,
} from '../../local/host/core-api.js';
import { connectionSignature } from '../../local/signalr-emulator/upstream.js';
import { resetRuntime } from '../../shared/runtime/container.js';

// The LeaveConversation hub method as the Functions host runs it: trigger input in, result and output binding out.

const ENV = {
  AUTH_MODE: 'dev',
  AUTH_DEV_SECRET: 'x'.repeat(40),
  STORE: 'memory',
  REDIS_URL: '',
  AzureSignalRConnectionString: 'Endpoint=http://127.0.0.1;Port=8888;AccessKey=k;Version=1.0;',
};

describe('LeaveConversation hub method', () => {
  const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
  let reg: Registration;
  beforeAll(async () => {
    Object.assign(process.env, ENV);
    installCoreApi();
    await resetRuntime();
    await import('../../functions/index.js');
    const found = registeredFunctions().find((r) => r.metadata.name === 'hub-messaging-leave-conversation');
    if (!found) throw new Error('hub-messaging-leave-conversation is not registered');
    reg = found;
  });
  afterAll(async () => {
    await resetRuntime();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const invoke = (args: unknown[]) =>
    invokeRegistered(reg, [
      {
        name: triggerBinding(reg)[0],
        data: {
          json: JSON.stringify({
            Arguments: args,
            ConnectionId: 'conn-1',
            UserId: 'bob',
            Headers: { 'X-ASRS-Signature': connectionSignature('k', 'conn-1') },
          }),
        },
      },
    ]);

  it('when a connection leaves a conversation, then it answers with the id and removes that connection from the group', async () => {
    const response = await invoke(['c_1']);
    expect(typedDataToValue(response.returnValue)).toEqual({ conversationId: 'c_1' });
    const out = response.outputData?.find((o) => o.name === 'signalRMessages');
    expect(typedDataToValue(out?.data)).toEqual([
      { action: 'remove', groupName: 'conversation:c_1', connectionId: 'conn-1' },
    ]);
  });

  it('when the conversation id is missing, then the call fails naming the method', async () => {
    await expect(invoke([])).rejects.toThrow(/LeaveConversation: invalid arguments/);
  });
});
