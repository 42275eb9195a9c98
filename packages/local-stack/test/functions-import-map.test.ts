// Deploy parity of the edge functions' imports: with ONLY supabase/functions/import_map.json (no root
// deno.json), every supabase/functions/*/index.ts type-checks and every module it loads lives inside
// supabase/functions — npm packages excepted — so `supabase functions deploy` can bundle each function.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binDir, parseTomlSubset, repoRoot } from '../src/config.ts';
import { vendorContracts } from '../../../scripts/vendor-contracts.ts';

const functionsDir = join(repoRoot, 'supabase', 'functions');
const importMap = join(functionsDir, 'import_map.json');
const deno = join(binDir, 'deno');
const onlyTheImportMap = ['--no-config', '--import-map', importMap, '--node-modules-dir=manual'];
const functions = readdirSync(functionsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(functionsDir, entry.name, 'index.ts')))
  .map((entry) => entry.name);

function denoRun(args: string[]) {
  return spawnSync(deno, args, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
}

describe('edge functions resolve every import inside supabase/functions', () => {
  vendorContracts();

  it('has functions to check', () => {
    expect(functions.length).toBeGreaterThan(0);
  });

  it('the import map points only inside supabase/functions, at npm: packages or at node: built-ins', () => {
    const { imports } = JSON.parse(readFileSync(importMap, 'utf8')) as { imports: Record<string, string> };
    for (const [specifier, target] of Object.entries(imports)) {
      if (/^(npm|node):/.test(target)) continue;
      const resolved = fileURLToPath(new URL(target, `file://${importMap}`));
      expect(resolved.startsWith(functionsDir + sep), `${specifier} → ${target}`).toBe(true);
    }
  });

  it('deno check of every index.ts passes with only that import map', { timeout: 180_000 }, () => {
    const result = denoRun(['check', ...onlyTheImportMap, ...functions.map((name) => join(functionsDir, name, 'index.ts'))]);
    expect(result.status, result.stderr).toBe(0);
  });

  it.each(functions)('%s loads no module from outside supabase/functions', { timeout: 120_000 }, (name) => {
    const result = denoRun(['info', '--json', ...onlyTheImportMap, join(functionsDir, name, 'index.ts')]);
    expect(result.status, result.stderr).toBe(0);
    const graph = JSON.parse(result.stdout) as { modules: Array<{ specifier: string; kind?: string; error?: string }> };
    const problems: string[] = [];
    for (const module of graph.modules) {
      if (module.error) problems.push(`${module.specifier}: ${module.error}`);
      if (!module.specifier.startsWith('file://')) continue; // npm:/node: specifiers
      const path = fileURLToPath(module.specifier);
      // npm packages (resolved from node_modules, kind "external") are bundled by the deploy from npm.
      const inside = module.kind === 'external' ? path.includes(`${sep}node_modules${sep}`) : path.startsWith(functionsDir + sep);
      if (!inside) problems.push(`${relative(repoRoot, path)} (${module.kind ?? 'module'})`);
    }
    expect(problems).toEqual([]);
  });

  it('config.toml names that import map for every function', () => {
    const config = parseTomlSubset(readFileSync(join(repoRoot, 'supabase', 'config.toml'), 'utf8'));
    for (const name of functions) {
      expect(config[`functions.${name}`]?.import_map, `[functions.${name}] import_map`).toBe('./functions/import_map.json');
    }
  });
});
