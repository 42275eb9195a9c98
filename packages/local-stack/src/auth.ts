// The subset of Supabase Auth (GoTrue) the console and scripts use, served under /auth/v1:
// password sign-in, refresh-token rotation, GET /user, logout, and admin user management.
// Users live in auth.users (bcrypt through pgcrypto); access tokens carry the claims produced by the
// same SQL hook Supabase Auth calls in production (public.custom_access_token_hook).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { signJwt, verifyJwt, type JwtClaims } from './jwt.ts';
import type { SupabaseConfig } from './config.ts';

export type AuthOptions = {
  pool: pg.Pool; // connected as supabase_auth_admin, like GoTrue
  jwtSecret: string;
  issuer: string; // `${API_URL}/auth/v1`
  config: SupabaseConfig;
  log: (message: string) => void;
};

type UserRow = {
  id: string;
  aud: string;
  role: string;
  email: string;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  is_anonymous: boolean;
  banned_until: Date | null;
};

class AuthError extends Error {
  status: number;
  errorCode: string;
  legacyError: string;
  constructor(status: number, errorCode: string, message: string, legacyError = errorCode) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.legacyError = legacyError;
  }
}

const userColumns = 'id, aud, role, email, email_confirmed_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous, banned_until';
const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

function userJson(user: UserRow): Record<string, unknown> {
  return {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email: user.email,
    email_confirmed_at: user.email_confirmed_at,
    phone: '',
    confirmed_at: user.email_confirmed_at,
    last_sign_in_at: user.last_sign_in_at,
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    identities: [],
    created_at: user.created_at,
    updated_at: user.updated_at,
    is_anonymous: user.is_anonymous,
  };
}

async function readJson(req: IncomingMessage, limitBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new AuthError(413, 'request_too_large', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON');
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: AuthError): void {
  // Both error vocabularies GoTrue has used, so any supabase-js version reads it:
  // `error`/`error_description` (OAuth2, e.g. invalid_grant) and `code`/`error_code`/`msg`.
  send(res, error.status, {
    code: error.status,
    error_code: error.errorCode,
    msg: error.message,
    error: error.legacyError,
    error_description: error.message,
  });
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  return match ? match[1].trim() : null;
}

export function createAuthService(options: AuthOptions) {
  const { pool, jwtSecret, config } = options;

  function claimsFor(token: string | null): JwtClaims {
    if (!token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token');
    const check = verifyJwt(token, jwtSecret);
    if (!check.ok) {
      // GoTrue answers 403 bad_jwt for an unparsable, badly signed or expired token.
      throw new AuthError(403, 'bad_jwt', `invalid JWT: ${check.reason.replace('_', ' ')}`);
    }
    return check.claims;
  }

  async function requireServiceRole(req: IncomingMessage): Promise<void> {
    const claims = claimsFor(bearer(req));
    if (claims.role !== 'service_role') throw new AuthError(403, 'not_admin', 'User not allowed');
  }

  async function issueSession(client: pg.PoolClient, user: UserRow, sessionId: string, parentHash: string | null, method: string) {
    const refreshToken = randomBytes(24).toString('base64url');
    await client.query(
      'insert into auth.refresh_tokens (token, user_id, parent, session_id) values ($1, $2, $3, $4)',
      [hashToken(refreshToken), user.id, parentHash, sessionId],
    );
    const now = Math.floor(Date.now() / 1000);
    const baseClaims: JwtClaims = {
      aud: user.aud ?? 'authenticated',
      exp: now + config.jwtExpiry,
      iat: now,
      iss: options.issuer,
      sub: user.id,
      email: user.email,
      phone: '',
      app_metadata: user.raw_app_meta_data ?? {},
      user_metadata: user.raw_user_meta_data ?? {},
      role: user.role ?? 'authenticated',
      aal: 'aal1',
      amr: [{ method, timestamp: now }],
      session_id: sessionId,
      is_anonymous: user.is_anonymous,
    };
    const claims = await runAccessTokenHook(client, user.id, baseClaims, method);
    const accessToken = signJwt(claims, jwtSecret);
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: config.jwtExpiry,
      expires_at: claims.exp,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  async function runAccessTokenHook(client: pg.PoolClient, userId: string, claims: JwtClaims, method: string): Promise<JwtClaims> {
    const hook = config.accessTokenHook;
    if (!hook) return claims;
    const event = { user_id: userId, claims, authentication_method: method };
    const sql = `select ${quoteIdent(hook.schema)}.${quoteIdent(hook.name)}($1::jsonb) as result`;
    const { rows } = await client.query(sql, [JSON.stringify(event)]);
    const result = rows[0]?.result as { claims?: JwtClaims } | null;
    const out = result?.claims;
    // Supabase Auth rejects hook output that drops required claims; so do we.
    const required = ['aud', 'exp', 'iat', 'sub', 'role', 'aal', 'session_id'];
    if (!out || required.some((k) => out[k] === undefined || out[k] === null)) {
      throw new AuthError(500, 'hook_payload_invalid', 'custom_access_token_hook returned claims without the required fields');
    }
    return out;
  }

  async function passwordGrant(body: Record<string, unknown>) {
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!email || !password) throw new AuthError(400, 'validation_failed', 'email and password are required', 'invalid_request');
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<UserRow & { password_ok: boolean }>(
        `select ${userColumns}, encrypted_password is not null and encrypted_password = extensions.crypt($2, encrypted_password) as password_ok
           from auth.users where lower(email) = lower($1) and deleted_at is null`,
        [email, password],
      );
      const user = rows[0];
      if (!user || !user.password_ok) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials', 'invalid_grant');
      if (user.banned_until && user.banned_until > new Date()) throw new AuthError(400, 'user_banned', 'User is banned', 'invalid_grant');
      const sessionId = randomUUID();
      await client.query('insert into auth.sessions (id, user_id) values ($1, $2)', [sessionId, user.id]);
      const updated = await client.query<UserRow>(`update auth.users set last_sign_in_at = now() where id = $1 returning ${userColumns}`, [user.id]);
      const session = await issueSession(client, updated.rows[0], sessionId, null, 'password');
      await client.query('commit');
      return session;
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  }

  async function refreshGrant(body: Record<string, unknown>) {
    const token = typeof body.refresh_token === 'string' ? body.refresh_token : '';
    if (!token) throw new AuthError(400, 'validation_failed', 'refresh_token is required', 'invalid_request');
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string; revoked: boolean; session_id: string; user_id: string; updated_at: Date }>(
        'select id, revoked, session_id, user_id, updated_at from auth.refresh_tokens where token = $1 for update',
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row || !row.session_id) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found', 'invalid_grant');
      if (row.revoked) {
        const ageSeconds = (Date.now() - row.updated_at.getTime()) / 1000;
        if (ageSeconds > config.refreshTokenReuseInterval) {
          // Reuse of a rotated token outside the grace period: treat the family as stolen.
          await client.query('delete from auth.sessions where id = $1', [row.session_id]);
          await client.query('commit');
          throw new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used', 'invalid_grant');
        }
      } else {
        await client.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [row.id]);
      }
      const users = await client.query<UserRow>(`select ${userColumns} from auth.users where id = $1 and deleted_at is null`, [row.user_id]);
      if (!users.rows[0]) throw new AuthError(400, 'user_not_found', 'User not found', 'invalid_grant');
      await client.query('update auth.sessions set updated_at = now() where id = $1', [row.session_id]);
      const session = await issueSession(client, users.rows[0], row.session_id, hashToken(token), 'token_refresh');
      await client.query('commit');
      return session;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async function currentUser(req: IncomingMessage) {
    const claims = claimsFor(bearer(req));
    if (claims.role === 'anon' || claims.role === 'service_role' || !claims.sub) {
      throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
    }
    const { rows } = await pool.query<UserRow>(`select ${userColumns} from auth.users where id = $1 and deleted_at is null`, [claims.sub]);
    if (!rows[0]) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    if (claims.session_id) {
      const session = await pool.query('select 1 from auth.sessions where id = $1', [claims.session_id]);
      if (session.rowCount === 0) throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    return userJson(rows[0]);
  }

  async function logout(req: IncomingMessage, scope: string) {
    const claims = claimsFor(bearer(req));
    if (!claims.sub || !claims.session_id) return;
    if (scope === 'global') {
      await pool.query('delete from auth.sessions where user_id = $1', [claims.sub]);
    } else if (scope === 'others') {
      await pool.query('delete from auth.sessions where user_id = $1 and id <> $2', [claims.sub, claims.session_id]);
    } else {
      await pool.query('delete from auth.sessions where id = $1', [claims.session_id]);
    }
  }

  async function adminCreateUser(body: Record<string, unknown>) {
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new AuthError(400, 'validation_failed', 'A valid email is required');
    const password = typeof body.password === 'string' ? body.password : null;
    if (password !== null && password.length < 6) throw new AuthError(422, 'weak_password', 'Password should be at least 6 characters.');
    const confirmed = body.email_confirm === true;
    const userMeta = typeof body.user_metadata === 'object' && body.user_metadata ? body.user_metadata : {};
    const appMeta = { provider: 'email', providers: ['email'], ...(typeof body.app_metadata === 'object' && body.app_metadata ? body.app_metadata : {}) };
    try {
      const { rows } = await pool.query<UserRow>(
        `insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
         values ($1, 'authenticated', 'authenticated', $2, case when $3::text is null then null else extensions.crypt($3, extensions.gen_salt('bf', 10)) end,
                 case when $4 then now() end, $5, $6)
         returning ${userColumns}`,
        [randomUUID(), email, password, confirmed, JSON.stringify(appMeta), JSON.stringify(userMeta)],
      );
      return userJson(rows[0]);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      }
      throw error;
    }
  }

  async function adminListUsers(url: URL) {
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const perPage = Math.min(1000, Math.max(1, Number(url.searchParams.get('per_page') ?? 50) || 50));
    const { rows } = await pool.query<UserRow & { total: string }>(
      `select ${userColumns}, count(*) over () as total from auth.users where deleted_at is null order by created_at, id limit $1 offset $2`,
      [perPage, (page - 1) * perPage],
    );
    return { users: rows.map(userJson), aud: 'authenticated', total: Number(rows[0]?.total ?? 0) };
  }

  /** Returns true when the request was for /auth/v1 and has been answered. `path` excludes /auth/v1. */
  async function handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    try {
      const method = req.method ?? 'GET';
      if (method === 'GET' && path === '/health') return send(res, 200, { version: 'rastro-local', name: 'GoTrue-compatible local auth', description: 'packages/local-stack' });
      if (method === 'GET' && path === '/settings') {
        return send(res, 200, { external: { email: true }, disable_signup: true, mailer_autoconfirm: true, phone_autoconfirm: false, sms_provider: '' });
      }
      if (method === 'POST' && path === '/token') {
        const body = await readJson(req);
        const grant = url.searchParams.get('grant_type');
        if (grant === 'password') return send(res, 200, await passwordGrant(body));
        if (grant === 'refresh_token') return send(res, 200, await refreshGrant(body));
        throw new AuthError(400, 'unsupported_grant_type', 'unsupported_grant_type', 'unsupported_grant_type');
      }
      if (method === 'GET' && path === '/user') return send(res, 200, await currentUser(req));
      if (method === 'POST' && path === '/logout') {
        await logout(req, url.searchParams.get('scope') ?? 'global');
        return send(res, 204);
      }
      if (path === '/admin/users') {
        await requireServiceRole(req);
        if (method === 'POST') return send(res, 200, await adminCreateUser(await readJson(req)));
        if (method === 'GET') return send(res, 200, await adminListUsers(url));
      }
      const adminUser = /^\/admin\/users\/([0-9a-f-]{36})$/.exec(path);
      if (adminUser) {
        await requireServiceRole(req);
        if (method === 'GET') {
          const { rows } = await pool.query<UserRow>(`select ${userColumns} from auth.users where id = $1`, [adminUser[1]]);
          if (!rows[0]) throw new AuthError(404, 'user_not_found', 'User not found');
          return send(res, 200, userJson(rows[0]));
        }
        if (method === 'DELETE') {
          const result = await pool.query('delete from auth.users where id = $1', [adminUser[1]]);
          if (result.rowCount === 0) throw new AuthError(404, 'user_not_found', 'User not found');
          return send(res, 200, {});
        }
      }
      throw new AuthError(404, 'not_found', `${method} /auth/v1${path} is not served by the local auth`);
    } catch (error) {
      if (error instanceof AuthError) return sendError(res, error);
      options.log(`auth: unexpected error on ${req.method} ${path}: ${(error as Error).stack ?? error}`);
      return sendError(res, new AuthError(500, 'unexpected_failure', 'Unexpected failure, check the local stack log'));
    }
  }

  return { handle };
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe identifier in auth hook config: ${name}`);
  return `"${name}"`;
}
