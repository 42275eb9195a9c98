// Meta Graph / Marketing API stand-ins (PLATFORMS.md "Meta Graph / Marketing API"), served under /meta
// beside the Conversions API: the OAuth dialog and both token exchanges, /me and /me/permissions,
// /me/adaccounts (paged), an ad account, its datasets (/act_{id}/adspixels), an ad's hierarchy and
// daily insights per ad (paged). Strict like the real API: the app id and secret, the redirect_uri of
// the code, single-use codes, expired tokens, unknown fields and wrong insight parameters are refused
// with Graph's error shape (meta-errors.ts); faults come from the shared fault board.
//
// State (per sandbox): two Facebook profiles with different ad accounts (one account reachable by
// both), campaigns → ad sets → ads per account, datasets, and tokens. Insights are deterministic per
// (ad, day), so any date range answers the same figures every time. Controls under
// `/__sandbox/platforms/meta`: GET state, DELETE reset, POST /login (who approves the next dialog,
// with which permissions, or a refusal), POST /expire-tokens (all tokens of a profile expire),
// POST /profiles (another profile with its own ad accounts).
import { createHash, randomBytes } from 'node:crypto';
import { isPlainObject, json } from '../platform.ts';
import type { PlatformControl, PlatformRequest, PlatformResponse, Route } from '../platform.ts';
import { accessTokenOf, metaError, metaErrors, missingAccessToken } from './meta-errors.ts';

/** The app the sandbox knows; the local stack gives the functions these as META_APP_ID / META_APP_SECRET. */
export const sandboxMetaApp = { appId: '100200300400500', appSecret: 'sandbox-meta-app-secret' } as const;

export const metaScopes = ['ads_read', 'ads_management', 'business_management'] as const;

const codeLifetimeMs = 10 * 60 * 1000;
const shortTokenSeconds = 5400;
const longTokenSeconds = 60 * 24 * 3600;
const insightsHistoryDays = 120;

export type SandboxAdAccount = {
  id: string;
  account_id: string;
  name: string;
  currency: string;
  timezone_name: string;
  account_status: number;
  pixels: Array<{ id: string; name: string }>;
};
export type SandboxAd = {
  id: string;
  name: string;
  adsetId: string;
  adsetName: string;
  campaignId: string;
  campaignName: string;
  accountId: string;
};
type Profile = { id: string; name: string; accountIds: string[] };
type Token = {
  kind: 'code' | 'short' | 'long';
  fbUserId: string;
  scopes: string[];
  expiresAt: number;
  redirectUri?: string;
  used?: boolean;
};
type Login = { fbUserId: string; scopes: string[] | null; deny: boolean };
type State = {
  profiles: Map<string, Profile>;
  accounts: Map<string, SandboxAdAccount>;
  ads: Map<string, SandboxAd>;
  tokens: Map<string, Token>;
  login: Login;
};

/** The long-lived token of a profile with every permission (each default profile starts with it, valid 60 days). */
export function sandboxMetaSeedToken(fbUserId: string): string {
  return `EAAsandbox${fbUserId}longlived`;
}

export const sandboxMetaProfiles = [
  { id: '10000000000001', name: 'Thiago Gontijo', accountIds: ['act_1000000001', 'act_1000000002', 'act_1000000003'] },
  { id: '10000000000002', name: 'Viviane Borges', accountIds: ['act_1000000003', 'act_2000000001'] },
] as const;

const defaultAccounts: Array<Omit<SandboxAdAccount, 'account_id'>> = [
  {
    id: 'act_1000000001',
    name: 'Prof Didática — Principal',
    currency: 'BRL',
    timezone_name: 'America/Sao_Paulo',
    account_status: 1,
    pixels: [{ id: '1234567890123', name: 'Pixel Principal' }, { id: '1234567890124', name: 'Dataset WhatsApp' }],
  },
  {
    id: 'act_1000000002',
    name: 'Prof Didática — Remarketing',
    currency: 'BRL',
    timezone_name: 'America/Sao_Paulo',
    account_status: 1,
    pixels: [{ id: '1234567890125', name: 'Pixel Remarketing' }],
  },
  {
    id: 'act_1000000003',
    name: 'Agência Parceira',
    currency: 'BRL',
    timezone_name: 'America/Sao_Paulo',
    account_status: 1,
    pixels: [{ id: '1234567890126', name: 'Pixel Agência' }],
  },
  {
    id: 'act_2000000001',
    name: 'Viviane — Lançamentos',
    currency: 'BRL',
    timezone_name: 'America/Sao_Paulo',
    account_status: 1,
    pixels: [],
  },
];

/**
 * Two campaigns per account, one ad set each, two ads per ad set. The first ad of the first account
 * is seed 002's `source_id` (120237888636060701), so the seed's webhook payload enriches.
 */
export function adsOf(account: Pick<SandboxAdAccount, 'id' | 'name'>, index: number): SandboxAd[] {
  const ads: SandboxAd[] = [];
  for (const [c, theme] of ['Leads WhatsApp', 'Conversões Site'].entries()) {
    const offset = BigInt(index * 100 + c * 10);
    for (const d of [0, 1]) {
      ads.push({
        id: String(120237888636060701n + offset + BigInt(d)),
        name: `Anúncio ${d + 1} — ${theme}`,
        adsetId: String(120237888636050701n + offset),
        adsetName: `Conjunto ${theme}`,
        campaignId: String(120237888636040701n + offset),
        campaignName: `${account.name}: ${theme}`,
        accountId: account.id.slice(4),
      });
    }
  }
  return ads;
}

/** The ads the sandbox starts with in one of its default ad accounts (the demo seeds refer to them). */
export function sandboxAdsOfAccount(accountId: string): SandboxAd[] {
  const index = defaultAccounts.findIndex((account) => account.id === accountId);
  if (index < 0) throw new Error(`the sandbox has no ad account ${accountId}`);
  return adsOf(defaultAccounts[index], index);
}

function freshState(): State {
  const state: State = {
    profiles: new Map(),
    accounts: new Map(),
    ads: new Map(),
    tokens: new Map(),
    login: { fbUserId: sandboxMetaProfiles[0].id, scopes: null, deny: false },
  };
  defaultAccounts.forEach((account) => addAccount(state, { ...account, account_id: account.id.slice(4) }));
  for (const profile of sandboxMetaProfiles) {
    state.profiles.set(profile.id, { id: profile.id, name: profile.name, accountIds: [...profile.accountIds] });
    state.tokens.set(sandboxMetaSeedToken(profile.id), {
      kind: 'long',
      fbUserId: profile.id,
      scopes: [...metaScopes],
      expiresAt: Date.now() + longTokenSeconds * 1000,
    });
  }
  return state;
}

function addAccount(state: State, account: SandboxAdAccount): void {
  state.accounts.set(account.id, account);
  for (const ad of adsOf(account, state.accounts.size - 1)) state.ads.set(ad.id, ad);
}

// ---- field lists ----------------------------------------------------------------------------------

type FieldSpec = { name: string; sub: string[] | null };

/** `name,adset{id,name},campaign{id,name}` → fields with their sub-fields; null when it does not parse. */
export function parseFields(text: string): FieldSpec[] | null {
  const fields: FieldSpec[] = [];
  const pattern = /\s*([a-z_]+)(?:\{([a-z_,\s]*)\})?\s*(?:,|$)/gy;
  let consumed = 0;
  for (const found of text.matchAll(pattern)) {
    if (found[0] === '') break;
    consumed += found[0].length;
    const sub = found[2] === undefined ? null : found[2].split(',').map((s) => s.trim()).filter(Boolean);
    fields.push({ name: found[1], sub });
  }
  return consumed === text.length && fields.length > 0 ? fields : null;
}

function nonexistingField(field: string, nodeType: string): PlatformResponse {
  return metaError(400, { message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`, code: 100 });
}

function invalidParam(message: string, subcode?: number): PlatformResponse {
  return metaError(400, { message, code: 100, subcode });
}

/** The fields asked for, each known to the node type (no sub-fields unless `nested` allows them). */
function requestedFields(
  request: PlatformRequest,
  nodeType: string,
  known: readonly string[],
  nested: Record<string, readonly string[]> = {},
  defaults: readonly string[] = ['id'],
): FieldSpec[] | PlatformResponse {
  const text = request.query.get('fields');
  if (text === null || text.trim() === '') return defaults.map((name) => ({ name, sub: null }));
  const fields = parseFields(text);
  if (!fields) return invalidParam(`(#100) Syntax error in the fields parameter: ${text}`);
  for (const field of fields) {
    if (field.sub === null ? !known.includes(field.name) : !nested[field.name]) return nonexistingField(field.name, nodeType);
    for (const sub of field.sub ?? []) {
      if (!nested[field.name].includes(sub)) return nonexistingField(sub, field.name === 'campaign' ? 'Campaign' : 'AdSet');
    }
  }
  return fields;
}

function pick(source: Record<string, unknown>, fields: FieldSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = source[field.name];
    if (field.sub && isPlainObject(value)) out[field.name] = Object.fromEntries(field.sub.map((s) => [s, value[s]]));
    else if (value !== undefined) out[field.name] = value;
  }
  return out;
}

// ---- paging ---------------------------------------------------------------------------------------

function cursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function offsetOf(after: string | null): number | null {
  if (after === null) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

/** Graph's page shape: `data`, `paging.cursors`, and `paging.next` (an absolute URL) while more is left. */
function page(request: PlatformRequest, items: unknown[], maxLimit: number, defaultLimit = 25): PlatformResponse {
  const limitText = request.query.get('limit');
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) return invalidParam('(#100) Param limit must be a positive integer');
  const offset = offsetOf(request.query.get('after'));
  if (offset === null) return invalidParam('(#100) The after cursor is not valid');
  const size = Math.min(limit, maxLimit);
  const data = items.slice(offset, offset + size);
  const paging: Record<string, unknown> = { cursors: { before: cursor(offset), after: cursor(offset + data.length) } };
  if (offset + data.length < items.length) {
    const next = new URLSearchParams(request.query);
    next.set('after', cursor(offset + data.length));
    next.set('limit', String(size));
    paging.next = `http://${request.headers.host ?? 'localhost'}/meta${request.path}?${next}`;
  }
  return json(200, { data, paging });
}

// ---- dates ----------------------------------------------------------------------------------------

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

/** Figures of one ad on one day: derived from a hash, so every sync reads the same numbers. */
export function sandboxInsightFigures(adId: string, day: string): { spend: string; impressions: string; clicks: string } {
  const digest = createHash('sha256').update(`${adId}:${day}`).digest();
  const spendCents = 500 + (digest.readUInt32BE(0) % 9500);
  const impressions = 300 + (digest.readUInt32BE(4) % 4700);
  const clicks = 3 + (digest.readUInt32BE(8) % 120);
  return { spend: (spendCents / 100).toFixed(2), impressions: String(impressions), clicks: String(clicks) };
}

// ---- the platform ---------------------------------------------------------------------------------

export function createMetaGraph(): { routes: Route[]; control: PlatformControl } {
  let state = freshState();

  const issue = (token: Omit<Token, 'expiresAt'>, lifetimeMs: number, fixed?: string): string => {
    const value = fixed ?? `${token.kind === 'code' ? 'AQ' : 'EAA'}${randomBytes(24).toString('base64url')}`;
    state.tokens.set(value, { ...token, expiresAt: Date.now() + lifetimeMs });
    return value;
  };

  /** The token's profile, or Graph's answer for a missing, unknown or expired token. */
  const authorize = (request: PlatformRequest): { token: Token; profile: Profile } | PlatformResponse => {
    const value = accessTokenOf(request);
    if (!value) return missingAccessToken();
    const token = state.tokens.get(value);
    if (!token || token.kind === 'code') {
      return metaError(400, { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
    }
    if (token.expiresAt <= Date.now()) return metaErrors.invalidToken(request);
    return { token, profile: state.profiles.get(token.fbUserId)! };
  };

  const requireScope = (token: Token, scope: string): PlatformResponse | null =>
    token.scopes.includes(scope)
      ? null
      : metaError(403, { message: `(#200) Requires ${scope} permission to manage the object`, code: 200, type: 'OAuthException' });

  const unreachable = (id: string): PlatformResponse =>
    metaError(400, {
      message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      type: 'GraphMethodException',
      code: 100,
      subcode: 33,
    });

  const checkApp = (request: PlatformRequest, needSecret: boolean): PlatformResponse | null => {
    const clientId = request.query.get('client_id');
    if (!clientId) return invalidParam('Missing client_id parameter.');
    if (clientId !== sandboxMetaApp.appId) {
      return metaError(400, { message: 'Error validating application. Invalid application ID.', code: 101 });
    }
    if (!needSecret) return null;
    const secret = request.query.get('client_secret');
    if (!secret) return invalidParam('Missing client_secret parameter.');
    if (secret !== sandboxMetaApp.appSecret) return metaError(400, { message: 'Error validating client secret.', code: 1 });
    return null;
  };

  const versioned = (request: PlatformRequest): PlatformResponse | null =>
    /^v\d+\.\d+$/.test(request.params.version) ? null : metaErrors.notFound(request);

  function dialog(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request) ?? checkApp(request, false);
    if (refused) return refused;
    const redirectUri = request.query.get('redirect_uri');
    if (!redirectUri) return invalidParam('Missing redirect_uri parameter.');
    let target: URL;
    try {
      target = new URL(redirectUri);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return invalidParam('Invalid redirect_uri: it must be an absolute http(s) URL.', 36008);
    }
    const responseType = request.query.get('response_type');
    if (responseType !== null && responseType !== 'code') return invalidParam(`Unsupported response_type ${responseType}`);
    const scopes = (request.query.get('scope') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = scopes.filter((scope) => !(metaScopes as readonly string[]).includes(scope));
    if (unknown.length > 0) return invalidParam(`Invalid Scopes: ${unknown.join(', ')}.`);
    const stateParam = request.query.get('state');
    if (stateParam !== null) target.searchParams.set('state', stateParam);
    if (state.login.deny) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_code', '200');
      target.searchParams.set('error_description', 'Permissions error');
      target.searchParams.set('error_reason', 'user_denied');
    } else {
      const granted = state.login.scopes === null ? scopes : scopes.filter((s) => state.login.scopes!.includes(s));
      target.searchParams.set(
        'code',
        issue({ kind: 'code', fbUserId: state.login.fbUserId, scopes: granted, redirectUri }, codeLifetimeMs),
      );
    }
    return { status: 302, headers: { location: target.toString() }, body: { redirect: target.toString() } };
  }

  function exchange(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request) ?? checkApp(request, true);
    if (refused) return refused;
    if (request.query.get('grant_type') === 'fb_exchange_token') {
      const value = request.query.get('fb_exchange_token');
      if (!value) return invalidParam('Missing fb_exchange_token parameter.');
      const token = state.tokens.get(value);
      if (!token || token.kind === 'code') {
        return metaError(400, { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
      }
      if (token.expiresAt <= Date.now()) return metaErrors.invalidToken(request);
      // One long-lived token per profile and permission set, the same string every time (and after a
      // sandbox restart, for the full set): a demo connection stored before a restart keeps working.
      // Issuing it again renews it, so a reconnect revives a token expired through /expire-tokens.
      const full = metaScopes.every((scope) => token.scopes.includes(scope));
      const fixed = full ? sandboxMetaSeedToken(token.fbUserId) : `${sandboxMetaSeedToken(token.fbUserId)}-${[...token.scopes].sort().join('.') || 'none'}`;
      const longLived = issue({ kind: 'long', fbUserId: token.fbUserId, scopes: token.scopes }, longTokenSeconds * 1000, fixed);
      return json(200, { access_token: longLived, token_type: 'bearer', expires_in: longTokenSeconds });
    }
    if (request.query.has('grant_type')) return invalidParam(`Unsupported grant_type ${request.query.get('grant_type')}`);
    const redirectUri = request.query.get('redirect_uri');
    if (!redirectUri) return invalidParam('Missing redirect_uri parameter.');
    const code = request.query.get('code');
    if (!code) return invalidParam('Missing code parameter.');
    const issued = state.tokens.get(code);
    if (!issued || issued.kind !== 'code') return invalidParam('Invalid verification code format.', 36009);
    if (issued.used) return invalidParam('This authorization code has been used.', 36009);
    if (issued.expiresAt <= Date.now()) return invalidParam('This authorization code has expired.', 36007);
    if (issued.redirectUri !== redirectUri) {
      return invalidParam(
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
        36008,
      );
    }
    issued.used = true;
    const short = issue({ kind: 'short', fbUserId: issued.fbUserId, scopes: issued.scopes }, shortTokenSeconds * 1000);
    return json(200, { access_token: short, token_type: 'bearer', expires_in: shortTokenSeconds });
  }

  const accountFields = ['id', 'name', 'account_id', 'account_status', 'currency', 'timezone_name'] as const;

  function me(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request);
    if (refused) return refused;
    const auth = authorize(request);
    if ('status' in auth) return auth;
    const fields = requestedFields(request, 'User', ['id', 'name'], {}, ['id', 'name']);
    if (!Array.isArray(fields)) return fields;
    return json(200, pick({ id: auth.profile.id, name: auth.profile.name }, fields));
  }

  function meEdge(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request) ??
      (['permissions', 'adaccounts'].includes(request.params.edge) ? null : metaErrors.notFound(request));
    if (refused) return refused;
    const auth = authorize(request);
    if ('status' in auth) return auth;
    if (request.params.edge === 'permissions') {
      return json(200, { data: metaScopes.map((permission) => ({ permission, status: auth.token.scopes.includes(permission) ? 'granted' : 'declined' })) });
    }
    const scope = requireScope(auth.token, 'ads_read');
    if (scope) return scope;
    const fields = requestedFields(request, 'AdAccount', accountFields);
    if (!Array.isArray(fields)) return fields;
    const items = auth.profile.accountIds.map((id) => pick(state.accounts.get(id)! as unknown as Record<string, unknown>, fields));
    return page(request, items, 100);
  }

  /** `/{version}/{node}`: an ad account (act_…) or an ad. */
  function node(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request);
    if (refused) return refused;
    const auth = authorize(request);
    if ('status' in auth) return auth;
    const scope = requireScope(auth.token, 'ads_read');
    if (scope) return scope;
    const id = request.params.node;
    const account = state.accounts.get(id);
    if (account) {
      if (!auth.profile.accountIds.includes(id)) return unreachable(id);
      const fields = requestedFields(request, 'AdAccount', accountFields);
      if (!Array.isArray(fields)) return fields;
      return json(200, pick(account as unknown as Record<string, unknown>, fields));
    }
    const ad = state.ads.get(id);
    if (!ad || !auth.profile.accountIds.includes(`act_${ad.accountId}`)) return unreachable(id);
    const fields = requestedFields(request, 'Ad', ['id', 'name', 'account_id', 'adset_id', 'campaign_id'], {
      adset: ['id', 'name'],
      campaign: ['id', 'name'],
    });
    if (!Array.isArray(fields)) return fields;
    return json(200, {
      ...pick({
        id: ad.id,
        name: ad.name,
        account_id: ad.accountId,
        adset_id: ad.adsetId,
        campaign_id: ad.campaignId,
        adset: { id: ad.adsetId, name: ad.adsetName },
        campaign: { id: ad.campaignId, name: ad.campaignName },
      }, fields),
      id: ad.id,
    });
  }

  const insightFields = [
    'account_id',
    'account_name',
    'account_currency',
    'campaign_id',
    'campaign_name',
    'adset_id',
    'adset_name',
    'ad_id',
    'ad_name',
    'spend',
    'impressions',
    'clicks',
  ] as const;

  /** `/{version}/act_{id}/{edge}`: adspixels or insights. */
  function accountEdge(request: PlatformRequest): PlatformResponse {
    const refused = versioned(request) ??
      (['adspixels', 'insights'].includes(request.params.edge) ? null : metaErrors.notFound(request));
    if (refused) return refused;
    const auth = authorize(request);
    if ('status' in auth) return auth;
    const id = request.params.node;
    const account = state.accounts.get(id);
    if (!account || !auth.profile.accountIds.includes(id)) return unreachable(id);
    if (request.params.edge === 'adspixels') {
      const scope = requireScope(auth.token, 'ads_management');
      if (scope) return scope;
      const fields = requestedFields(request, 'AdsPixel', ['id', 'name']);
      if (!Array.isArray(fields)) return fields;
      return page(request, account.pixels.map((pixel) => pick(pixel, fields)), 100);
    }
    const scope = requireScope(auth.token, 'ads_read');
    if (scope) return scope;
    return insights(request, account);
  }

  function insights(request: PlatformRequest, account: SandboxAdAccount): PlatformResponse {
    const level = request.query.get('level');
    if (level !== 'ad') return invalidParam(`(#100) The sandbox serves level=ad only, not ${level ?? 'the default level'}`);
    if (request.query.get('time_increment') !== '1') {
      return invalidParam('(#100) The sandbox serves daily rows only: time_increment must be 1');
    }
    if (request.query.has('date_preset')) return invalidParam('(#100) Use time_range; the sandbox serves no date_preset');
    let range: unknown;
    try {
      range = JSON.parse(request.query.get('time_range') ?? '');
    } catch {
      return invalidParam('(#100) time_range must be a JSON object {"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}');
    }
    const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
    if (
      !isPlainObject(range) || typeof range.since !== 'string' || typeof range.until !== 'string' ||
      !dayPattern.test(range.since) || !dayPattern.test(range.until) ||
      Number.isNaN(Date.parse(range.since)) || Number.isNaN(Date.parse(range.until))
    ) {
      return invalidParam('(#100) time_range must be a JSON object {"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}');
    }
    if (range.since > range.until) return invalidParam('(#100) time_range: since must not be after until', 1487534);
    const today = isoDay(new Date());
    const earliest = addDays(today, -(37 * 31));
    if (range.since < earliest) return invalidParam('(#3018) The start date of the time range cannot be beyond 37 months from the current date', 1487534);
    const textFields = request.query.get('fields');
    const fields = textFields ? parseFields(textFields) : [{ name: 'spend', sub: null }, { name: 'impressions', sub: null }];
    if (!fields) return invalidParam(`(#100) Syntax error in the fields parameter: ${textFields}`);
    const unknown = fields.find((field) => field.sub !== null || !(insightFields as readonly string[]).includes(field.name));
    if (unknown) return invalidParam(`(#100) ${unknown.name} is not valid for fields param.`);

    const first = range.since > addDays(today, -insightsHistoryDays) ? range.since : addDays(today, -insightsHistoryDays);
    const last = range.until < today ? range.until : today;
    const ads = [...state.ads.values()].filter((ad) => ad.accountId === account.account_id);
    const rows: Array<Record<string, unknown>> = [];
    for (let day = first; day <= last; day = addDays(day, 1)) {
      for (const ad of ads) {
        const source: Record<string, unknown> = {
          account_id: account.account_id,
          account_name: account.name,
          account_currency: account.currency,
          campaign_id: ad.campaignId,
          campaign_name: ad.campaignName,
          adset_id: ad.adsetId,
          adset_name: ad.adsetName,
          ad_id: ad.id,
          ad_name: ad.name,
          ...sandboxInsightFigures(ad.id, day),
        };
        rows.push({ ...pick(source, fields), date_start: day, date_stop: day });
      }
    }
    return page(request, rows, 500);
  }

  const routes: Route[] = [
    { method: 'GET', path: '/{version}/dialog/oauth', handler: dialog },
    { method: 'GET', path: '/{version}/oauth/access_token', handler: exchange },
    { method: 'GET', path: '/{version}/me', handler: me },
    { method: 'GET', path: '/{version}/me/{edge}', handler: meEdge },
    { method: 'GET', path: '/{version}/{node}/{edge}', handler: accountEdge },
    { method: 'GET', path: '/{version}/{node}', handler: node },
  ];

  const controlError = (message: string) => json(422, { error: { code: 'invalid_control', message } });
  const describe = () =>
    json(200, {
      login: state.login,
      profiles: [...state.profiles.values()].map((profile) => ({
        ...profile,
        liveTokens: [...state.tokens.values()].filter((t) => t.fbUserId === profile.id && t.kind !== 'code' && t.expiresAt > Date.now()).length,
      })),
      accounts: [...state.accounts.values()],
      ads: [...state.ads.values()],
    });

  const control: PlatformControl = {
    '': {
      GET: () => describe(),
      DELETE: () => {
        state = freshState();
        return describe();
      },
    },
    '/login': {
      POST: (body) => {
        if (!isPlainObject(body) || typeof body.fb_user_id !== 'string' || !state.profiles.has(body.fb_user_id)) {
          return controlError('send { fb_user_id (a known profile), scopes?: string[], deny?: boolean }');
        }
        if (body.scopes !== undefined && !(Array.isArray(body.scopes) && body.scopes.every((s) => typeof s === 'string'))) {
          return controlError('scopes must be an array of permission names');
        }
        state.login = { fbUserId: body.fb_user_id, scopes: (body.scopes as string[] | undefined) ?? null, deny: body.deny === true };
        return json(200, { login: state.login });
      },
    },
    '/expire-tokens': {
      POST: (body) => {
        if (!isPlainObject(body) || typeof body.fb_user_id !== 'string') return controlError('send { fb_user_id }');
        let expired = 0;
        for (const token of state.tokens.values()) {
          if (token.fbUserId === body.fb_user_id && token.kind !== 'code' && token.expiresAt > Date.now()) {
            token.expiresAt = Date.now() - 1000;
            expired += 1;
          }
        }
        return json(200, { expired });
      },
    },
    '/profiles': {
      POST: (body) => {
        const usage = 'send { id (digits), name, ad_accounts: [{ id: act_<digits>, name, currency?, timezone_name? }] }';
        if (!isPlainObject(body) || typeof body.id !== 'string' || !/^\d{1,25}$/.test(body.id) || typeof body.name !== 'string') {
          return controlError(usage);
        }
        const accounts = Array.isArray(body.ad_accounts) ? body.ad_accounts : [];
        if (!accounts.every((a) => isPlainObject(a) && typeof a.id === 'string' && /^act_\d{1,25}$/.test(a.id) && typeof a.name === 'string')) {
          return controlError(usage);
        }
        for (const a of accounts as Array<Record<string, string>>) {
          if (!state.accounts.has(a.id)) {
            addAccount(state, {
              id: a.id,
              account_id: a.id.slice(4),
              name: a.name,
              currency: a.currency ?? 'BRL',
              timezone_name: a.timezone_name ?? 'America/Sao_Paulo',
              account_status: 1,
              pixels: [],
            });
          }
        }
        state.profiles.set(body.id, { id: body.id, name: body.name, accountIds: (accounts as Array<{ id: string }>).map((a) => a.id) });
        return json(200, { token: issue({ kind: 'long', fbUserId: body.id, scopes: [...metaScopes] }, longTokenSeconds * 1000) });
      },
    },
  };

  return { routes, control };
}
