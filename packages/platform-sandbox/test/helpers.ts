// Shared by the sandbox tests: a sandbox on a free port and small request helpers.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox } from '../src/server.ts';
import type { Sandbox, SandboxOptions } from '../src/server.ts';

export type Answer = { status: number; headers: Headers; body: any };

/** One sandbox per test file; records and faults are reset before each test. */
export function useSandbox(options: SandboxOptions = {}): { readonly url: string } {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...options });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async () => {
    await call(`${sandbox!.url}/__sandbox/requests`, { method: 'DELETE' });
    await call(`${sandbox!.url}/__sandbox/faults`, { method: 'DELETE' });
  });
  return {
    get url() {
      return sandbox!.url;
    },
  };
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export function setFaults(baseUrl: string, settings: Record<string, unknown>): Promise<Answer> {
  return postJson(`${baseUrl}/__sandbox/faults`, settings);
}

export async function recorded(baseUrl: string, platform?: string): Promise<any[]> {
  const query = platform ? `?platform=${platform}` : '';
  return (await call(`${baseUrl}/__sandbox/requests${query}`)).body.requests;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A website event that satisfies every CAPI rule; override fields to break one. */
export function websiteEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'Lead',
    event_time: nowSeconds() - 60,
    event_id: 'lead-42',
    action_source: 'website',
    event_source_url: 'https://shop.example.com/contact',
    user_data: { em: ['a'.repeat(64)], client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', fbc: 'fb.1.1700000000000.AbC' },
    ...overrides,
  };
}
