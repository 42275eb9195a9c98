// Test helpers for code that talks to the platform sandbox's Dinamize stand-in (SANDBOX_URL, set by
// `node scripts/test.ts --only deno`). Each test uses its own Dinamize account (client code), so
// contacts and registered passwords never mix between tests; fault knobs are global to the sandbox,
// so every test that sets one clears it in a `finally`.

export function sandboxUrl(): string {
  const url = Deno.env.get('SANDBOX_URL');
  if (!url) throw new Error('SANDBOX_URL is not set: run these tests through `node scripts/test.ts --only deno`');
  return url.replace(/\/+$/, '');
}

export function dinamizeUrl(): string {
  return `${sandboxUrl()}/dinamize`;
}

/** A client code no other test uses. */
export function uniqueClientCode(): string {
  return String(100_000_000 + Math.floor(Math.random() * 899_999_999));
}

// deno-lint-ignore no-explicit-any -- the sandbox's control answers differ per resource; callers name the field they read
type ControlAnswer = Record<string, any>;

async function control(method: string, path: string, body?: unknown): Promise<ControlAnswer> {
  const response = await fetch(`${sandboxUrl()}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`sandbox ${method} ${path} → ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

export type DinamizeFaults = {
  latencyMs?: number;
  failNext?: number;
  errorRate?: number;
  rateLimit?: { count?: number; retryAfterSeconds: number };
  invalidToken?: boolean;
};

export function setDinamizeFaults(faults: DinamizeFaults): Promise<unknown> {
  return control('POST', '/faults', { platform: 'dinamize', ...faults });
}

export function clearDinamizeFaults(): Promise<unknown> {
  return control('DELETE', '/faults?platform=dinamize');
}

export function setTokenSettings(
  settings: { tokenIdleSeconds?: number; tokenMaxAgeSeconds?: number; tokenMaxUses?: number | null },
): Promise<unknown> {
  return control('POST', '/platforms/dinamize/settings', settings);
}

/** How the sandbox answers what is not documented: the assumed codes, or unknown ones (see its header). */
export type DinamizeMode = {
  codes?: 'assumed' | 'unknown';
  successDetail?: 'Success' | 'Sucesso';
  retryAfter?: 'string' | 'number';
};

/** Replaces the sandbox's Dinamize mode as a whole (global, like the faults: reset it in a `finally`). */
export function setDinamizeMode(mode: DinamizeMode): Promise<unknown> {
  return control('POST', '/platforms/dinamize/mode', mode);
}

/** Both code modes, for tests that must hold whichever codes Dinamize really answers with. */
export const codeModes = ['assumed', 'unknown'] as const;

export async function expireAllTokens(): Promise<number> {
  return (await control('POST', '/platforms/dinamize/expire-tokens', {})).expired;
}

/** After this, only this user and password authenticate for the client code. */
export function registerAccount(clientCode: string, user: string, password: string): Promise<unknown> {
  return control('POST', '/platforms/dinamize/accounts', { client_code: clientCode, user, password });
}

export type SandboxContact = {
  code: string;
  email: string;
  name: string;
  external_code: string;
  insert_date: string;
  custom_fields: Record<string, unknown>;
  client_code: string;
  contact_list_code: string;
};

export async function sandboxContacts(clientCode: string): Promise<SandboxContact[]> {
  return (await control('GET', `/platforms/dinamize?client_code=${clientCode}`)).contacts;
}

export async function seedContacts(
  clientCode: string,
  listCode: string,
  contacts: { email: string; name?: string; insert_date?: string; custom_fields?: Record<string, unknown> }[],
): Promise<string[]> {
  return (await control('POST', '/platforms/dinamize/contacts', {
    client_code: clientCode,
    contact_list_code: listCode,
    contacts,
  })).codes;
}

export type RecordedDinamizeRequest = {
  /** When the sandbox received the request (ISO 8601). */
  receivedAt: string;
  path: string;
  headers: Record<string, string>;
  body: ControlAnswer | null;
  status: number;
  response: ControlAnswer;
  fault: string | null;
};

/** Requests the sandbox recorded for Dinamize, narrowed to one account: /auth by its client code, /emkt calls by the tokens issued to it. */
export async function recordedFor(clientCode: string): Promise<RecordedDinamizeRequest[]> {
  const all: RecordedDinamizeRequest[] = (await control('GET', '/requests?platform=dinamize')).requests;
  const tokens = new Set<string>();
  return all.filter((request) => {
    if (request.path === '/auth') {
      if (request.body?.client_code !== clientCode) return false;
      const token = request.response?.body?.['auth-token'];
      if (typeof token === 'string') tokens.add(token);
      return true;
    }
    return tokens.has(request.headers['auth-token']);
  });
}

/** Generates `count` contacts in the sandbox (e-mails <prefix><n>@exemplo.com.br, per_second sharing each second). */
export async function seedBulkContacts(
  clientCode: string,
  listCode: string,
  options: { count: number; firstInsertDate: string; perSecond?: number; emailPrefix?: string },
): Promise<{ count: number; first_code: string; last_code: string }> {
  return await control('POST', '/platforms/dinamize/contacts/bulk', {
    client_code: clientCode,
    contact_list_code: listCode,
    count: options.count,
    first_insert_date: options.firstInsertDate,
    per_second: options.perSecond,
    email_prefix: options.emailPrefix,
  }) as { count: number; first_code: string; last_code: string };
}
