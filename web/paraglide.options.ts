// One set of Paraglide compiler options for the Vite plugin (vite.config.ts) and for `svelte-kit sync`
// time compiles (packages/local-stack syncConsole), so unit tests and builds see the same messages.
// The locale comes from the request (profile → Accept-Language → company default), resolved in
// hooks.server.ts and read back on the client from <html lang>: one custom strategy. Decision 0009.
import { fileURLToPath } from 'node:url';

export const paraglideOptions = {
	project: fileURLToPath(new URL('./project.inlang', import.meta.url)),
	outdir: fileURLToPath(new URL('./src/lib/paraglide', import.meta.url)),
	strategy: ['custom-rastro', 'baseLocale'] as ['custom-rastro', 'baseLocale']
};
