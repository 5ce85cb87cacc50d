import { describe, expect, it } from 'vitest';
import { setTyping } from '../../shared/app/typing.js';
import { withDirect } from '../support/deps.js';

describe('typing', () => {
  it('when typing goes over 10 per minute, then the extra signals are dropped silently', async () => {
    const { deps, id } = await withDirect();
    const accepted: boolean[] = [];
    for (let i = 0; i < 12; i++) accepted.push((await setTyping(deps, { userId: 'alice' }, id, true)).result.accepted);
    expect(accepted.filter(Boolean)).toHaveLength(10);
  });
});
