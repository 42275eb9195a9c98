import nodeAdapter from '@sveltejs/adapter-node';
import type { Adapter } from '@sveltejs/kit';
import { sveltekit } from '@sveltejs/kit/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

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
	plugins: [sveltekit({ adapter: adapterWithRuntimeOrigin() })]
});
