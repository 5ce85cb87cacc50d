import { describe, expect, it } from 'vitest';
import { planDelivery } from '../../shared/app/delivery.js';
import { sendMessage } from '../../shared/app/messages.js';
import { withDirect } from '../support/deps.js';

describe('delivery planning after a send', () => {
  it('when a send hands its loaded participants along, then planning reads no conversation and addresses each participant; without them it reads it once', async () => {
    const { deps, id } = await withDirect();
    const { pushes } = await sendMessage(deps, { userId: 'alice' }, id, { content: 'hi' });
    let reads = 0;
    const store = new Proxy(deps.store, {
      get(obj, prop, receiver) {
        if (prop === 'getConversation') reads++;
        return Reflect.get(obj, prop, receiver);
      },
    });
    const planned = await planDelivery({ store }, pushes);
    expect(reads).toBe(0);
    expect(planned[0]).toMatchObject({ target: 'OnMessageReceived', to: { users: ['alice', 'bob'] } });
    // the same push without the participants (any other producer): one read
    const bare = pushes.map((p) => (p.kind === 'event' && 'group' in p.to ? { ...p, to: { group: p.to.group } } : p));
    expect(await planDelivery({ store }, bare)).toEqual(planned);
    expect(reads).toBe(1);
  });
});
