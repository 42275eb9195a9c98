// Local stand-in for Supabase's edge runtime: serves /<name>/... by calling the `handler` exported by
// <functions dir>/<name>/handler.ts (each function's index.ts is `Deno.serve(handler)` in production).
// The gateway in front of it has already applied verify_jwt; the path keeps the /<name> prefix, as on
// Supabase. Started by packages/local-stack with the project env (SUPABASE_URL, keys, DB URL, …).
type Handler = (req: Request) => Response | Promise<Response>;

const port = Number(Deno.env.get('RASTRO_FUNCTIONS_PORT'));
const dirs = (Deno.env.get('RASTRO_FUNCTION_DIRS') ?? '').split(':').filter(Boolean);
const loaded = new Map<string, Promise<Handler | null>>();

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

async function findHandler(name: string): Promise<Handler | null> {
  for (const dir of dirs) {
    const file = `${dir}/${name}/handler.ts`;
    try {
      await Deno.stat(file);
    } catch {
      continue;
    }
    const mod = await import(`file://${file}`);
    const handler = (mod.handler ?? mod.default) as Handler | undefined;
    if (typeof handler !== 'function') throw new Error(`${file} must export a handler(req) function`);
    return handler;
  }
  return null;
}

Deno.serve({ port, hostname: '127.0.0.1', onListen: () => console.log(`functions host listening on ${port}`) }, async (req) => {
  const name = new URL(req.url).pathname.split('/')[1] ?? '';
  if (!/^[A-Za-z0-9-][A-Za-z0-9_-]*$/.test(name)) return errorResponse(404, 'function_not_found', 'Function not found');
  if (!loaded.has(name)) loaded.set(name, findHandler(name));
  let handler: Handler | null;
  try {
    handler = await loaded.get(name)!;
  } catch (error) {
    loaded.delete(name);
    console.error(`functions host: cannot load ${name}:`, error);
    return errorResponse(500, 'function_boot_error', `Function "${name}" failed to load; see the stack log`);
  }
  if (!handler) {
    loaded.delete(name);
    return errorResponse(404, 'function_not_found', `Function "${name}" does not exist`);
  }
  try {
    return await handler(req);
  } catch (error) {
    console.error(`functions host: ${name} threw:`, error);
    return errorResponse(500, 'internal_error', 'The function failed unexpectedly; see the stack log');
  }
});
