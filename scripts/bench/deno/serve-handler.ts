// Serves one edge function's handler directly with Deno.serve on PORT (one process, no gateway and no
// functions host in front): what one isolate of the hosted runtime does, for `npm run bench`
// (scripts/bench/tracking.ts, scripts/bench/email.ts). FUNCTION names the function (its handler.ts);
// `static-redirect` is the bench's baseline, a fixed 302.
const name = Deno.env.get('FUNCTION') ?? '';
const handler: (req: Request) => Response | Promise<Response> = name === 'static-redirect'
  ? () => new Response(null, { status: 302, headers: { location: 'https://loja.test/a?utm_source=email' } })
  : (await import(`../../../supabase/functions/${name}/handler.ts`)).handler;

Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen: () => console.log('listening') }, handler);
