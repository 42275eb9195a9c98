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

export type DinamizeCheck = {
  /** Every call the check made, in order (the same calls go to integrations_log). */
  steps: DinamizeCheckStep[];
  /** Names of the assumed codes (keys of `assumedCodes`) that some answer carried. */
  assumedMet: string[];
  /** Sentences for the console, in order. */
  report: string[];
};

const operationWords: Record<DinamizeCall['operation'], string> = {
  auth: 'Sign-in',
  contact_search: 'The search of one contact',
  contact_add: 'Adding a contact',
  contact_update: 'Updating a contact',
};

const assumedWords: Record<keyof typeof assumedCodes, string> = {
  rateLimited: 'rate-limit',
  invalidToken: 'token-expiry',
  contactNotFound: 'unknown-contact',
  duplicateEmail: 'duplicate-e-mail',
  invalidRequest: 'malformed-request',
};

/** What one answer means, in words. */
function describeCall(call: DinamizeCall, listCode: string | null): string {
  const subject = `${operationWords[call.operation]}${
    call.operation === 'contact_search' ? ` in list ${listCode}` : ''
  }`;
  if (call.outcome === 'ok') return `${subject} answered ${dinamizeCodes.success} (success) as expected.`;
  const assumed = (Object.keys(assumedCodes) as (keyof typeof assumedCodes)[])
    .find((name) => assumedCodes[name] === call.code);
  const how = call.code === null
    ? `no Dinamize answer (${call.detail ?? call.outcome})`
    : `code ${call.code}${call.detail ? ` ("${call.detail}")` : ''}`;
  if (assumed) {
    return `${subject} answered ${how}, which we assumed means ${assumedWords[assumed]} (assumed, now seen).`;
  }
  if (call.outcome === 'auth_failed') return `${subject} answered ${how}: Dinamize refused the credentials.`;
  if (call.outcome === 'unrecognised') {
    return `${subject} answered ${how}, a code we do not know; we signed in again and repeated the call once.`;
  }
  return `${subject} answered ${how} (${call.outcome}).`;
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
  let searched: string | null = null;
  if (auth.ok && listCode !== null) {
    const found = await client.searchContactsInsertedSince(listCode, null, 1, 1);
    if (!found.ok) failure = { kind: found.kind, code: found.code, message: found.detail };
    else searched = found.contacts.length === 0 ? 'the list is empty' : 'it returned a contact';
  }

  const report = calls.map((call) => describeCall(call, listCode));
  if (searched) report[report.length - 1] = `${report[report.length - 1].slice(0, -1)}; ${searched}.`;
  if (auth.ok && listCode === null) report.push('No contact list is saved yet, so no search was tried.');
  const seen = new Set(calls.map((call) => call.code));
  const assumedMet = (Object.keys(assumedCodes) as (keyof typeof assumedCodes)[])
    .filter((name) => seen.has(assumedCodes[name]));
  const notObserved = (Object.keys(assumedCodes) as (keyof typeof assumedCodes)[])
    .filter((name) => !seen.has(assumedCodes[name]))
    .map((name) => `${assumedWords[name]} (${assumedCodes[name]})`);
  if (notObserved.length > 0) {
    report.push(
      `Not observed, so still assumed: the ${joinWords(notObserved)} code${notObserved.length > 1 ? 's' : ''}.`,
    );
  }
  return {
    ok: failure === null,
    failure,
    check: {
      steps: calls.map((call) => ({ operation: call.operation, code: call.code, outcome: call.outcome })),
      assumedMet,
      report,
    },
  };
}

function joinWords(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
