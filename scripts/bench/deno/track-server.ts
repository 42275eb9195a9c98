// Serves the track function's handler directly with Deno.serve on PORT (one process, no functions
// host in front): what one isolate of the hosted runtime does, for `npm run bench` (scripts/bench/tracking.ts).
import { handler } from '../../../supabase/functions/track/handler.ts';

Deno.serve({ port: Number(Deno.env.get('PORT')), hostname: '127.0.0.1', onListen: () => console.log('listening') }, handler);
