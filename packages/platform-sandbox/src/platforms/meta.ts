// Meta Graph API and Conversions API, served under /meta (META_GRAPH_URL=<sandbox>/meta). The Graph
// stand-ins (OAuth, ad accounts, datasets, ads, insights; meta-graph.ts) keep state, so Meta is created
// per sandbox.
import type { Platform } from '../platform.ts';
import { capiRoutes } from './meta-capi.ts';
import { metaErrors } from './meta-errors.ts';
import { createMetaGraph } from './meta-graph.ts';

export function createMeta(): Platform {
  const graph = createMetaGraph();
  return {
    name: 'meta',
    envVar: 'META_GRAPH_URL',
    routes: [...capiRoutes, ...graph.routes],
    errors: metaErrors,
    control: graph.control,
  };
}
