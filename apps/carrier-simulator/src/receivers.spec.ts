import { receiversInOrder } from './session-registry';

type Candidate = { name: string; closed: boolean; mode: 'transceiver' | 'receiver' | 'transmitter' | undefined; systemId: string };
const session = (name: string, over: Partial<Candidate> = {}): Candidate => ({ name, closed: false, mode: 'transceiver', systemId: 'sluice', ...over });

describe('who receives a deliver_sm', () => {
  it('is the originating session first, then every other bound receiver of the same system_id', () => {
    const origin = session('origin');
    const all = [session('a'), origin, session('tx', { mode: 'transmitter' }), session('other', { systemId: 'someone' }), session('rx', { mode: 'receiver' })];
    expect(receiversInOrder(origin, all, 'sluice').map((c) => c.name)).toEqual(['origin', 'a', 'rx']);
  });

  it('leaves out sessions that died, even before their close was handled, and unbound ones', () => {
    const origin = session('origin', { closed: true });
    const all = [origin, session('dead', { closed: true }), session('unbound', { mode: undefined }), session('live')];
    expect(receiversInOrder(origin, all, 'sluice').map((c) => c.name)).toEqual(['live']);
    expect(receiversInOrder(undefined, [session('dead', { closed: true })], 'sluice')).toEqual([]);
  });
});
