// Used by function-worker.ts.
/**
 * A request body as the next reader sees it, plus a way to read what that reader left. A function that
 * answers before reading its whole body (a 413 from the declared length, say) ends its request early,
 * and the body stream it was given is cancelled. Cancelling the connection's own stream makes Deno's
 * server close the connection with bytes still arriving, and the sender then sees a reset instead of
 * the answer. So the reader gets a stream of its own, and the rest of the sender's bytes are read and
 * dropped before the answer goes out, as an HTTP/1.1 server does when it keeps the connection. On
 * Supabase the edge runtime hands bodies to its workers in memory, with no connection to reset; here
 * the worker is a process behind a loopback connection, and this keeps that connection honest.
 * (Only the worker wraps its body: a stream handed to fetch() loses its Content-Length, which the
 * functions read, so the host passes the caller's body on as it came.)
 */
export function drainableBody(body: ReadableStream<Uint8Array> | null): {
  body: ReadableStream<Uint8Array> | null;
  drain: () => Promise<void>;
} {
  if (!body) return { body: null, drain: () => Promise.resolve() };
  const reader = body.getReader();
  let finished = false;
  let readerStopped = false;
  const forReader = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        if (!readerStopped) controller.close();
      } else if (!readerStopped) {
        controller.enqueue(value);
      }
    },
    cancel() {
      readerStopped = true;
    },
  }, { highWaterMark: 0 });
  return {
    body: forReader,
    async drain() {
      readerStopped = true;
      while (!finished) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          // The caller hung up mid-body: there is nobody left to answer, so there is nothing to drain.
          console.error(`functions: the sender's body ended with an error: ${(error as Error).message}`);
          return;
        }
        if (chunk.done) finished = true;
      }
    },
  };
}
