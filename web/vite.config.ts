import { paraglideVitePlugin } from '@inlang/paraglide-js';
import nodeAdapter from '@sveltejs/adapter-node';
import type { Adapter } from '@sveltejs/kit';
import { sveltekit } from '@sveltejs/kit/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { paraglideOptions } from './paraglide.options.ts';

const OUT = 'build';

/** adapter-node, with an entry that still honours ORIGIN at start time (see node-entry.js). */
function adapterWithRuntimeOrigin(): Adapter {
	const node = nodeAdapter({ out: OUT });
	return {
		...node,
		async adapt(builder) {
			await node.adapt(builder);
			builder.copy(fileURLToPath(new URL('./node-entry.js', import.meta.url)), `${OUT}/index.js`);
		}
	};
}

// SvelteKit 3 takes its configuration here; a svelte.config.js file is rejected at build time.
export default defineConfig({
	plugins: [
		// Compiles messages/{pt-BR,en}.json into src/lib/paraglide (generated, git-ignored); decision 0009.
		paraglideVitePlugin(paraglideOptions),
		sveltekit({ adapter: adapterWithRuntimeOrigin() })
	]
});
