// The integration check behind "Test connection": sign in, then (when a contact list is known) one
// read-only search of a single contact, and a report in words of which assumed answers were met.
// The gateway never depends on the assumed codes (decision 0002); this is how a company with a real
// account tells us whether they hold.
import { assumedCodes, type DinamizeCall, type DinamizeClient, dinamizeCodes } from './dinamize.ts';

export type DinamizeCheckStep = {
  operation: DinamizeCall['operation'];
  code: string | null;
  outcome: DinamizeCall['outcome'];
};

export type AssumedCodeName = keyof typeof assumedCodes;

/**
 * One thing the check found, as data: the console words it in the reader's language (web
 * `#lib/integrations/dinamize-check.ts`, messages `dinamize_check_*`); `report` is the same in English.
 */
export type DinamizeCheckFinding =
  | {
    kind: 'call';
    operation: DinamizeCall['operation'];
    code: string | null;
    outcome: DinamizeCall['outcome'];
    /** Dinamize's code_detail (or our transport message), shown as is, never parsed. */
    detail: string | null;
    /** The assumed code this answer carried, if any. */
    assumed: AssumedCodeName | null;
    /** The contact list searched (contact_search only). */
    list: string | null;
    /** What a successful search of one contact returned. */
    searched: 'contact_found' | 'list_empty' | null;
  }
  | { kind: 'no_list' }
  | { kind: 'not_observed'; assumed: { name: AssumedCodeName; code: string }[] };

export type DinamizeCheck = {
  /** Every call the check made, in order (the same calls go to integrations_log). */
  steps: DinamizeCheckStep[];
  /** Names of the assumed codes (keys of `assumedCodes`) that some answer carried. */
  assumedMet: string[];
  /** What was found, as data (for the console's own words). */
  findings: DinamizeCheckFinding[];
  /** The findings as English sentences, in order (for the API and the log). */
  report: string[];
};

const operationWords: Record<DinamizeCall['operation'], string> = {
  auth: 'Sign-in',
  contact_search: 'The search of one contact',
  contact_add: 'Adding a contact',
  contact_update: 'Updating a contact',
};

const assumedWords: Record<AssumedCodeName, string> = {
  rateLimited: 'rate-limit',
  invalidToken: 'token-expiry',
  contactNotFound: 'unknown-contact',
  duplicateEmail: 'duplicate-e-mail',
  invalidRequest: 'malformed-request',
};

const assumedNames = Object.keys(assumedCodes) as AssumedCodeName[];

/** One finding in English. */
function describeFinding(finding: DinamizeCheckFinding): string {
  if (finding.kind === 'no_list') return 'No contact list is saved yet, so no search was tried.';
  if (finding.kind === 'not_observed') {
    const names = finding.assumed.map(({ name, code }) => `${assumedWords[name]} (${code})`);
    return `Not observed, so still assumed: the ${joinWords(names)} code${names.length > 1 ? 's' : ''}.`;
  }
  const subject = `${operationWords[finding.operation]}${finding.list !== null ? ` in list ${finding.list}` : ''}`;
  if (finding.outcome === 'ok') {
    const searched = finding.searched === 'contact_found'
      ? '; it returned a contact'
      : finding.searched === 'list_empty'
      ? '; the list is empty'
      : '';
    return `${subject} answered ${dinamizeCodes.success} (success) as expected${searched}.`;
  }
  const how = finding.code === null
    ? `no Dinamize answer (${finding.detail ?? finding.outcome})`
    : `code ${finding.code}${finding.detail ? ` ("${finding.detail}")` : ''}`;
  if (finding.assumed) {
    return `${subject} answered ${how}, which we assumed means ${assumedWords[finding.assumed]} (assumed, now seen).`;
  }
  if (finding.outcome === 'auth_failed') return `${subject} answered ${how}: Dinamize refused the credentials.`;
  if (finding.outcome === 'unrecognised') {
    return `${subject} answered ${how}, a code we do not know; we signed in again and repeated the call once.`;
  }
  return `${subject} answered ${how} (${finding.outcome}).`;
}

/** Runs the check with a client whose calls land in `calls` (its `onCall`). Makes no change in Dinamize. */
export async function runDinamizeCheck(
  client: DinamizeClient,
  calls: DinamizeCall[],
  listCode: string | null,
): Promise<
  { ok: boolean; failure: { kind: string; code: string | null; message: string } | null; check: DinamizeCheck }
> {
  let failure: { kind: string; code: string | null; message: string } | null = null;
  const auth = await client.authenticate();
  if (!auth.ok) failure = { kind: auth.kind, code: auth.code, message: auth.detail };
  let searched: 'contact_found' | 'list_empty' | null = null;
  if (auth.ok && listCode !== null) {
    const found = await client.searchContactsInsertedSince(listCode, null, 1, 1);
    if (!found.ok) failure = { kind: found.kind, code: found.code, message: found.detail };
    else searched = found.contacts.length === 0 ? 'list_empty' : 'contact_found';
  }

  const findings: DinamizeCheckFinding[] = calls.map((call, index) => ({
    kind: 'call',
    operation: call.operation,
    code: call.code,
    outcome: call.outcome,
    detail: call.outcome === 'ok' ? null : call.detail,
    assumed: assumedNames.find((name) => assumedCodes[name] === call.code) ?? null,
    list: call.operation === 'contact_search' ? listCode : null,
    // The search's answer is the last call when it succeeded.
    searched: index === calls.length - 1 ? searched : null,
  }));
  if (auth.ok && listCode === null) findings.push({ kind: 'no_list' });
  const seen = new Set(calls.map((call) => call.code));
  const assumedMet = assumedNames.filter((name) => seen.has(assumedCodes[name]));
  const notObserved = assumedNames.filter((name) => !seen.has(assumedCodes[name]));
  if (notObserved.length > 0) {
    findings.push({ kind: 'not_observed', assumed: notObserved.map((name) => ({ name, code: assumedCodes[name] })) });
  }
  return {
    ok: failure === null,
    failure,
    check: {
      steps: calls.map((call) => ({ operation: call.operation, code: call.code, outcome: call.outcome })),
      assumedMet,
      findings,
      report: findings.map(describeFinding),
    },
  };
}

function joinWords(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
