import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { sharingApi } from './sharing';

/** A fetch that answers `body` with `status` and remembers each request. */
function stub(status = 200, body: unknown = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      return status === 204 ? new Response(null, { status }) : new Response(JSON.stringify(body), { status });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('sharingApi', () => {
  it('puts only ids and roles, with the link access', async () => {
    const calls = stub(200, { link_access: 'view', users: [] });
    await sharingApi.putSharing('m/1', {
      link_access: 'view',
      users: [{ user_id: 'bob', user_name: 'Bob', role: 'commenter' }],
    });
    expect(calls[0].url).toBe('/api/media/m%2F1/sharing');
    expect(calls[0].init.method).toBe('PUT');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ link_access: 'view', users: [{ user_id: 'bob', role: 'commenter' }] });
  });

  it('makes, lists and revokes guest links', async () => {
    let calls = stub(201, { id: 4, token: 't', url: '/r/t', link: {} });
    await sharingApi.createGuestLink('m1', { can_comment: true, can_download: false, password: 'pw' });
    expect([calls[0].init.method, calls[0].url]).toEqual(['POST', '/api/media/m1/guest-links']);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ can_comment: true, can_download: false, password: 'pw' });
    calls = stub(200, []);
    await sharingApi.guestLinks('m1');
    expect(calls[0].url).toBe('/api/media/m1/guest-links');
    calls = stub(204);
    await sharingApi.revokeGuestLink('m1', 4);
    expect([calls[0].init.method, calls[0].url]).toEqual(['DELETE', '/api/media/m1/guest-links/4']);
  });

  it('reads and sets the status, the users and what is shared', async () => {
    let calls = stub(200, { status: 'approved', history: [] });
    await sharingApi.putStatus('m1', 'approved');
    expect([calls[0].init.method, calls[0].url, calls[0].init.body]).toEqual(['PUT', '/api/media/m1/status', '{"status":"approved"}']);
    calls = stub(200, []);
    await sharingApi.knownUsers();
    await sharingApi.sharedWithMe();
    expect(calls.map((c) => c.url)).toEqual(['/api/users', '/api/media?shared=1']);
  });

  it('throws the server error', async () => {
    stub(404, { error: 'not_found', message: 'no such media' });
    const e = await sharingApi.getSharing('x').catch((err) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.message]).toEqual([404, 'no such media']);
  });
});
