// Minimal assertions for Deno tests (Deno's std lives on JSR, which these machines cannot reach).
// Equality compares canonical JSON: object keys in any order (jsonb reorders them), arrays in order.

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function assertEquals(actual: unknown, expected: unknown, message = ''): void {
  const a = JSON.stringify(canonical(actual));
  const e = JSON.stringify(canonical(expected));
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

export function assertBetween(value: number, low: number, high: number, message: string): void {
  if (!(value >= low && value <= high)) throw new Error(`${message}: expected ${low} … ${high}, got ${value}`);
}
