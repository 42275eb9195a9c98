// Where the local stack lives and which ports it uses, plus the parts of supabase/config.toml it honours.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const binDir = join(repoRoot, 'node_modules', '.bin');
/**
 * The PostgreSQL 15 the stack runs: Debian's, or another installation of the same major version given
 * by RASTRO_PG_BIN_DIR (scripts/parity.ts points it at a private copy with the real extensions).
 */
export const pgBinDir = process.env.RASTRO_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export type Ports = {
  api: number; // gateway: /rest/v1, /auth/v1, /functions/v1
  db: number;
  console: number;
  sandbox: number;
  postgrest: number; // internal, behind the gateway
  functions: number; // internal, behind the gateway
};

export const defaultPorts: Ports = { api: 54321, db: 54322, console: 54323, sandbox: 54324, postgrest: 54325, functions: 54326 };

export type StackOptions = {
  stateDir: string; // git-ignored; holds the cluster, secrets, logs and state.json
  ports: Ports;
  withConsole: boolean;
  log: (message: string) => void;
  /** Extra function folders served beside supabase/functions (test fixtures only). */
  extraFunctionDirs?: string[];
  /** Use the stand-ins for Vault, pgmq and pg_net even where the real extensions are installed (default: RASTRO_STAND_INS=1). */
  standIns?: boolean;
  /** Point the functions' SMTP settings at a plain sink on this loopback port (tests of e-mail sending). */
  smtpSinkPort?: number;
};

export const defaultStateDir = join(repoRoot, '.rastro', 'stack');

// ---- supabase/config.toml (the subset the stack reads) -------------------------------------------

export type SupabaseConfig = {
  apiSchemas: string[];
  extraSearchPath: string[];
  maxRows: number;
  jwtExpiry: number;
  refreshTokenReuseInterval: number;
  functions: Record<string, { verifyJwt: boolean }>;
  accessTokenHook: { enabled: boolean; schema: string; name: string } | null;
};

type TomlValue = string | number | boolean | TomlValue[];

/** Parses the TOML subset config.toml uses: [dotted.sections], key = string | number | bool | [array]. */
export function parseTomlSubset(text: string): Record<string, Record<string, TomlValue>> {
  const sections: Record<string, Record<string, TomlValue>> = { '': {} };
  let current = '';
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[([A-Za-z0-9_.\-]+)\]$/.exec(line);
    if (section) {
      current = section[1];
      sections[current] ??= {};
      continue;
    }
    const pair = /^([A-Za-z0-9_\-]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`config.toml line ${index + 1}: cannot parse "${line}"`);
    sections[current][pair[1]] = parseTomlValue(stripComment(pair[2]), index + 1);
  }
  return sections;
}

function stripComment(value: string): string {
  let inString = false;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') inString = !inString;
    if (value[i] === '#' && !inString) return value.slice(0, i).trim();
  }
  return value.trim();
}

function parseTomlValue(value: string, line: number): TomlValue {
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value.startsWith('[')) return JSON.parse(value) as TomlValue[];
  throw new Error(`config.toml line ${line}: unsupported value ${value}`);
}

export function readSupabaseConfig(path = join(repoRoot, 'supabase', 'config.toml')): SupabaseConfig {
  if (!existsSync(path)) throw new Error(`missing ${path}`);
  const toml = parseTomlSubset(readFileSync(path, 'utf8'));
  const functions: SupabaseConfig['functions'] = {};
  for (const [name, section] of Object.entries(toml)) {
    const match = /^functions\.([A-Za-z0-9_\-]+)$/.exec(name);
    if (match) functions[match[1]] = { verifyJwt: section.verify_jwt !== false };
  }
  const hook = toml['auth.hook.custom_access_token'];
  let accessTokenHook: SupabaseConfig['accessTokenHook'] = null;
  if (hook?.enabled === true) {
    const uri = /^pg-functions:\/\/[^/]+\/([^/]+)\/([^/]+)$/.exec(String(hook.uri));
    if (!uri) throw new Error(`config.toml: auth.hook.custom_access_token.uri must be pg-functions://<db>/<schema>/<function>`);
    accessTokenHook = { enabled: true, schema: uri[1], name: uri[2] };
  }
  return {
    apiSchemas: (toml.api?.schemas as string[]) ?? ['public'],
    extraSearchPath: (toml.api?.extra_search_path as string[]) ?? ['public', 'extensions'],
    maxRows: Number(toml.api?.max_rows ?? 1000),
    jwtExpiry: Number(toml.auth?.jwt_expiry ?? 3600),
    refreshTokenReuseInterval: Number(toml.auth?.refresh_token_reuse_interval ?? 10),
    functions,
    accessTokenHook,
  };
}
