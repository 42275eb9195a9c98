// Entry of the built console, copied over adapter-node's `build/index.js` by `vite.config.ts`, so
// `ORIGIN=http://127.0.0.1:5173 node web/build/index.js` works as it did before adapter-node 6.
//
// adapter-node 6 (SvelteKit 3) dropped the ORIGIN variable for the build-time `paths.origin` option
// and otherwise assumes https://<Host>. A build served over plain http on a port chosen at start
// (local stack, tests) would then fail SvelteKit's CSRF check on every form. When ORIGIN is set, its
// protocol and host are stamped on each request through the adapter's PROTOCOL_HEADER / HOST_HEADER
// settings, overwriting whatever a client sent in those headers. Without ORIGIN nothing changes,
// which is right behind an HTTPS proxy.
import process from 'node:process';

const origin = process.env.ORIGIN ? new URL(process.env.ORIGIN) : null;
const PROTOCOL_HEADER = 'x-rastro-origin-protocol';
const HOST_HEADER = 'x-rastro-origin-host';

if (origin) {
	process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	process.env.HOST_HEADER = HOST_HEADER;
}

// Imported only now: the adapter reads PROTOCOL_HEADER and HOST_HEADER when it loads.
const { server, host, path, port } = await import('./server/adapter-index.js');

if (origin) {
	server.prependListener('request', (request) => {
		request.headers[PROTOCOL_HEADER] = origin.protocol.slice(0, -1);
		request.headers[HOST_HEADER] = origin.host;
	});
}

export { host, path, port, server };
