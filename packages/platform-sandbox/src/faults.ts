// Fault knobs per platform (POST/GET/DELETE /__sandbox/faults). Deterministic on purpose: tests
// must be able to say "the next two calls fail" or "every second call fails" and rely on it.
import { isPlainObject } from './platform.ts';

export type FaultSettings = {
  platform: string;
  /** Delay before every answer of the platform, faulty or not. */
  latencyMs?: number;
  /** Share of requests answered with a 5xx, spread evenly (see `errorRateFails`). */
  errorRate?: number;
  /** The next n requests are answered with a 5xx. */
  failNext?: number;
  /**
   * The next `count` requests (every request while set, without `count` or `rate`) are refused as
   * rate-limited; with `rate`, a share of requests spread evenly like errorRate.
   */
  rateLimit?: { count?: number; rate?: number; retryAfterSeconds: number };
  /** Every request is refused as carrying an invalid or expired token. */
  invalidToken?: boolean;
};

export type FaultKind = 'invalidToken' | 'rateLimit' | 'serverError';

export type Fault =
  | { kind: 'invalidToken' }
  | { kind: 'rateLimit'; retryAfterSeconds: number }
  | { kind: 'serverError' };

export type FaultDecision = { latencyMs: number; fault: Fault | null };

type PlatformFaults = {
  settings: FaultSettings;
  failNextLeft: number;
  rateLimitLeft: number | null; // null: unlimited while set
  requestsSeenByErrorRate: number;
  requestsSeenByRateLimit: number;
};

const maxLatencyMs = 10 * 60 * 1000;

export class FaultBoard {
  #byPlatform = new Map<string, PlatformFaults>();

  /** Replaces the platform's settings as a whole; counters start again. */
  set(settings: FaultSettings): FaultSettings {
    this.#byPlatform.set(settings.platform, {
      settings,
      failNextLeft: settings.failNext ?? 0,
      rateLimitLeft: settings.rateLimit?.count ?? null,
      requestsSeenByErrorRate: 0,
      requestsSeenByRateLimit: 0,
    });
    return this.#describe(settings.platform);
  }

  /** Current settings with counters showing what is left (`failNext`, `rateLimit.count`). */
  list(): FaultSettings[] {
    return [...this.#byPlatform.keys()].map((platform) => this.#describe(platform));
  }

  clear(platform?: string): void {
    if (platform === undefined) this.#byPlatform.clear();
    else this.#byPlatform.delete(platform);
  }

  /**
   * Decides, at arrival, how the platform answers this request. Order: invalid token (auth comes
   * first on every real API), then rate limit, then failNext, then errorRate.
   */
  decide(platform: string): FaultDecision {
    const state = this.#byPlatform.get(platform);
    if (!state) return { latencyMs: 0, fault: null };
    const latencyMs = state.settings.latencyMs ?? 0;
    if (state.settings.invalidToken) return { latencyMs, fault: { kind: 'invalidToken' } };
    const rateLimit = state.settings.rateLimit;
    if (rateLimit?.rate !== undefined) {
      state.requestsSeenByRateLimit += 1;
      if (errorRateFails(rateLimit.rate, state.requestsSeenByRateLimit)) {
        return { latencyMs, fault: { kind: 'rateLimit', retryAfterSeconds: rateLimit.retryAfterSeconds } };
      }
    } else if (rateLimit && (state.rateLimitLeft === null || state.rateLimitLeft > 0)) {
      if (state.rateLimitLeft !== null) state.rateLimitLeft -= 1;
      return { latencyMs, fault: { kind: 'rateLimit', retryAfterSeconds: rateLimit.retryAfterSeconds } };
    }
    if (state.failNextLeft > 0) {
      state.failNextLeft -= 1;
      return { latencyMs, fault: { kind: 'serverError' } };
    }
    const errorRate = state.settings.errorRate ?? 0;
    if (errorRate > 0) {
      state.requestsSeenByErrorRate += 1;
      if (errorRateFails(errorRate, state.requestsSeenByErrorRate)) return { latencyMs, fault: { kind: 'serverError' } };
    }
    return { latencyMs, fault: null };
  }

  #describe(platform: string): FaultSettings {
    const state = this.#byPlatform.get(platform);
    if (!state) return { platform };
    const described: FaultSettings = { ...state.settings };
    if (state.settings.failNext !== undefined) described.failNext = state.failNextLeft;
    if (state.settings.rateLimit) {
      described.rateLimit = { ...state.settings.rateLimit };
      if (state.rateLimitLeft !== null) described.rateLimit.count = state.rateLimitLeft;
    }
    return described;
  }
}

/**
 * The n-th request (1-based) fails when it brings the count of failures up to floor(n × rate): the
 * first n requests always hold exactly floor(n × rate) failures. 1 fails every request, 0.5 every
 * second one (2nd, 4th, …), 0.25 every fourth. The epsilon absorbs binary rounding (0.29 × 100).
 */
export function errorRateFails(rate: number, n: number): boolean {
  const epsilon = 1e-9;
  return Math.floor(n * rate + epsilon) > Math.floor((n - 1) * rate + epsilon);
}

export type ParsedFaults = { ok: true; settings: FaultSettings } | { ok: false; issues: string[] };

/** Validates a POST /__sandbox/faults body; unknown keys are refused so a typo cannot silently do nothing. */
export function parseFaultSettings(input: unknown, platformNames: readonly string[]): ParsedFaults {
  if (!isPlainObject(input)) return { ok: false, issues: ['body must be a JSON object'] };
  const issues: string[] = [];
  const allowed = ['platform', 'latencyMs', 'errorRate', 'failNext', 'rateLimit', 'invalidToken'];
  for (const key of Object.keys(input)) if (!allowed.includes(key)) issues.push(`unknown knob "${key}"`);

  const { platform, latencyMs, errorRate, failNext, rateLimit, invalidToken } = input;
  if (typeof platform !== 'string' || !platformNames.includes(platform)) {
    issues.push(`platform must be one of ${platformNames.join(', ')}`);
  }
  if (latencyMs !== undefined && !isIntegerIn(latencyMs, 0, maxLatencyMs)) issues.push(`latencyMs must be an integer from 0 to ${maxLatencyMs}`);
  if (errorRate !== undefined && !(typeof errorRate === 'number' && errorRate >= 0 && errorRate <= 1)) issues.push('errorRate must be a number from 0 to 1');
  if (failNext !== undefined && !isIntegerIn(failNext, 0, Number.MAX_SAFE_INTEGER)) issues.push('failNext must be a non-negative integer');
  if (invalidToken !== undefined && typeof invalidToken !== 'boolean') issues.push('invalidToken must be a boolean');
  if (rateLimit !== undefined) issues.push(...rateLimitIssues(rateLimit));
  if (issues.length > 0) return { ok: false, issues };

  const settings: FaultSettings = { platform: platform as string };
  if (latencyMs !== undefined) settings.latencyMs = latencyMs as number;
  if (errorRate !== undefined) settings.errorRate = errorRate as number;
  if (failNext !== undefined) settings.failNext = failNext as number;
  if (invalidToken !== undefined) settings.invalidToken = invalidToken as boolean;
  if (rateLimit !== undefined) settings.rateLimit = rateLimit as FaultSettings['rateLimit'];
  return { ok: true, settings };
}

function rateLimitIssues(rateLimit: unknown): string[] {
  if (!isPlainObject(rateLimit)) return ['rateLimit must be an object { count?, retryAfterSeconds }'];
  const issues = Object.keys(rateLimit)
    .filter((key) => key !== 'count' && key !== 'retryAfterSeconds' && key !== 'rate')
    .map((key) => `unknown knob "rateLimit.${key}"`);
  if (!isIntegerIn(rateLimit.retryAfterSeconds, 0, 86_400)) issues.push('rateLimit.retryAfterSeconds must be an integer from 0 to 86400');
  if (rateLimit.count !== undefined && !isIntegerIn(rateLimit.count, 1, Number.MAX_SAFE_INTEGER)) issues.push('rateLimit.count must be a positive integer');
  if (rateLimit.rate !== undefined && !(typeof rateLimit.rate === 'number' && rateLimit.rate > 0 && rateLimit.rate <= 1)) issues.push('rateLimit.rate must be a number above 0, at most 1');
  if (rateLimit.rate !== undefined && rateLimit.count !== undefined) issues.push('rateLimit takes count or rate, not both');
  return issues;
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
