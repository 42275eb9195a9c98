// Installs the Debian packages the local stack runs on, when they are missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const requiredPackages = [
  'postgresql-15',
  'postgresql-15-cron',
  'postgresql-15-pgtap',
  'postgresql-15-plpgsql-check',
  'libtap-parser-sourcehandler-pgtap-perl',
] as const;

export const browserPackages = ['chromium'] as const;

export function missingPackages(names: readonly string[]): string[] {
  return names.filter((name) => {
    const probe = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return probe.status !== 0 || !probe.stdout.includes('install ok installed');
  });
}

/** Installs what is missing (as root, with apt-get) or explains exactly what to run. */
export function ensurePackages(names: readonly string[], log: (message: string) => void): void {
  if (!existsSync('/usr/bin/dpkg-query')) {
    throw new Error('The local stack needs a Debian/Ubuntu machine (dpkg/apt-get not found).');
  }
  const missing = missingPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing OS packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`installing OS packages: ${missing.join(' ')} (apt-get, one-time)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (update.status !== 0) throw new Error('apt-get update failed; see the output above');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (install.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed; see the output above`);
  const still = missingPackages(missing);
  if (still.length > 0) throw new Error(`apt-get finished but these are still missing: ${still.join(' ')}`);
  log('OS packages installed');
}
