// One worker process of the local functions host (functions-host.ts): runs ONE edge function the way
// Supabase's edge runtime does, by evaluating its index.ts, whose `Deno.serve(handler)` call is
// captured here instead of opening a server of its own. The captured handler is then served on a
// loopback port the host picked, concurrently as a hosted isolate serves its requests; the host charges
// this process's CPU time and memory to every request in flight. Usage: deno run … function-worker.ts
// <index.ts path> <port>.
// The host reads the line `functions-worker ready` on stdout; everything else the function prints
// passes through to the stack's functions log. The process ends when the host closes its stdin.
import { drainableBody } from './drain.ts';

type ServeHandler = (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) => Response | Promise<Response>;

const [entry, portArg] = Deno.args;
const port = Number(portArg);
if (!entry || !Number.isInteger(port) || port <= 0) {
  console.error('usage: function-worker.ts <index.ts> <port>');
  Deno.exit(64);
}

// Leave as soon as the host goes away (it holds our stdin open; EOF means it exited or was killed).
(async () => {
  for await (const _ of Deno.stdin.readable) {
    // the host never writes; reading only waits for EOF
  }
  Deno.exit(0);
})();

const realServe = Deno.serve.bind(Deno);
let captured: ServeHandler | null = null;

/** Every form of Deno.serve: (handler), (options, handler), (options with .handler or .fetch). */
function handlerOf(args: unknown[]): ServeHandler | null {
  for (const arg of args) {
    if (typeof arg === 'function') return arg as ServeHandler;
    if (arg && typeof arg === 'object') {
      const candidate = (arg as { handler?: unknown; fetch?: unknown }).handler ?? (arg as { fetch?: unknown }).fetch;
      if (typeof candidate === 'function') return candidate as ServeHandler;
    }
  }
  return null;
}

/** What the function's Deno.serve call returns: a server that is never listening on its own. */
function capturedServer(): Deno.HttpServer<Deno.NetAddr> {
  const finished = new Promise<void>(() => {});
  return {
    finished,
    addr: { transport: 'tcp', hostname: '127.0.0.1', port },
    ref() {},
    unref() {},
    shutdown: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  } as Deno.HttpServer<Deno.NetAddr>;
}

Object.defineProperty(Deno, 'serve', {
  configurable: true,
  writable: true,
  value: (...args: unknown[]) => {
    const handler = handlerOf(args);
    if (!handler) throw new TypeError('Deno.serve was called without a handler');
    if (captured) throw new Error('index.ts called Deno.serve more than once');
    captured = handler;
    return capturedServer();
  },
});

try {
  await import(new URL(`file://${entry}`).href);
} catch (error) {
  console.error(`functions worker: ${entry} failed to load:`, error);
  Deno.exit(70);
}
// The module may also use the newer `export default { fetch }` form instead of Deno.serve.
if (!captured) {
  const mod = await import(new URL(`file://${entry}`).href);
  const fetchHandler = (mod.default as { fetch?: unknown } | undefined)?.fetch;
  if (typeof fetchHandler === 'function') captured = fetchHandler as ServeHandler;
}
if (!captured) {
  console.error(`functions worker: ${entry} never called Deno.serve(handler)`);
  Deno.exit(71);
}
const handler: ServeHandler = captured;
/** The host's limit for passing a body on whole (functions-host.ts smallBodyOrStream). */
const smallBodyBytes = 64 * 1024;

realServe({
  hostname: '127.0.0.1',
  port,
  onListen: () => console.log('functions-worker ready'),
}, async (req, info) => {
  // A small body with a declared length (the host passes those as bytes) is read at once and handed to
  // the function whole: nothing can be left unread, and no stream is piped per request. Anything
  // else is wrapped so that what the function leaves unread is drained (drain.ts).
  const declared = Number(req.headers.get('content-length') ?? NaN);
  const small = req.body !== null && Number.isInteger(declared) && declared >= 0 && declared <= smallBodyBytes;
  const body = small ? drainableBody(null) : drainableBody(req.body);
  const request = small
    ? new Request(req.url, { method: req.method, headers: req.headers, body: await req.arrayBuffer(), signal: req.signal })
    : body.body
    ? new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: body.body,
      signal: req.signal,
      duplex: 'half',
    } as RequestInit)
    : req;
  let response: Response;
  try {
    response = await handler(request, info);
  } catch (error) {
    console.error(`functions worker: ${entry} threw:`, error);
    response = Response.json({
      error: { code: 'internal_error', message: 'The function failed unexpectedly; see the stack log' },
    }, {
      status: 500,
    });
  }
  // Whatever the function left unread is read and dropped before the answer, so the host's request
  // ends cleanly instead of with a reset that would lose the answer.
  await body.drain();
  return response;
});
