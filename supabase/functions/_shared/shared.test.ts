import { corsHeaders, preflight } from './cors.ts';
import { errorResponse, HttpError, toErrorResponse } from './errors.ts';
import { ApiErrorSchema } from '@rastro/contracts';

function assertEquals(actual: unknown, expected: unknown, message = ''): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message} expected ${e}, got ${a}`);
}

Deno.test('errorResponse uses the one error shape', async () => {
  const res = errorResponse(422, 'invalid_row', 'Row 3 has no e-mail', { line: 3 });
  assertEquals(res.status, 422);
  const body = await res.json();
  assertEquals(ApiErrorSchema.safeParse(body).success, true, 'shape');
  assertEquals(body, { error: { code: 'invalid_row', message: 'Row 3 has no e-mail', details: { line: 3 } } });
});

Deno.test('toErrorResponse keeps HttpError status and hides other errors', async () => {
  assertEquals(
    (await toErrorResponse(new HttpError(409, 'already_converted', 'x')).json()).error.code,
    'already_converted',
  );
  const original = console.error;
  console.error = () => {};
  try {
    const res = toErrorResponse(new Error('database password is hunter2'));
    assertEquals(res.status, 500);
    assertEquals((await res.json()).error.message.includes('hunter2'), false, 'no internals leak');
  } finally {
    console.error = original;
  }
});

Deno.test('CORS allows only listed origins', () => {
  assertEquals(
    corsHeaders('https://good.example', ['https://good.example'])['access-control-allow-origin'],
    'https://good.example',
  );
  assertEquals(corsHeaders('https://evil.example', ['https://good.example'])['access-control-allow-origin'], undefined);
  assertEquals(
    preflight(new Request('http://x', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }), [
      'https://good.example',
    ])?.status,
    403,
  );
  assertEquals(preflight(new Request('http://x', { method: 'GET' }), []), null);
});
