// The integration check's findings (POST /integrations/test) in the reader's language: one sentence
// per finding, from the messages dinamize_check_* (the function's `report` is the same in English).
import { m } from '#lib/paraglide/messages.js';
import { getLocale } from '#lib/paraglide/runtime.js';
import type { DinamizeAssumedCodeName, IntegrationCheckFinding } from '@rastro/contracts/integrations.ts';

type CallFinding = Extract<IntegrationCheckFinding, { kind: 'call' }>;

const assumedMeaning: Record<DinamizeAssumedCodeName, () => string> = {
	rateLimited: m.dinamize_assumed_rate_limited,
	invalidToken: m.dinamize_assumed_invalid_token,
	contactNotFound: m.dinamize_assumed_contact_not_found,
	duplicateEmail: m.dinamize_assumed_duplicate_email,
	invalidRequest: m.dinamize_assumed_invalid_request
};

const outcomeWords: Record<string, () => string> = {
	server_error: m.dinamize_check_outcome_server_error,
	timeout: m.dinamize_check_outcome_timeout,
	rate_limited: m.dinamize_check_outcome_rate_limited,
	invalid_request: m.dinamize_check_outcome_invalid_request,
	token_expired: m.dinamize_check_outcome_token_expired
};

function subject(finding: CallFinding): string {
	switch (finding.operation) {
		case 'auth':
			return m.dinamize_check_subject_auth();
		case 'contact_search':
			return m.dinamize_check_subject_contact_search({ list: finding.list ?? '' });
		case 'contact_add':
			return m.dinamize_check_subject_contact_add();
		case 'contact_update':
			return m.dinamize_check_subject_contact_update();
	}
}

function describeCall(finding: CallFinding): string {
	const who = subject(finding);
	if (finding.outcome === 'ok') {
		const code = finding.code ?? '';
		if (finding.searched === 'contact_found') return m.dinamize_check_ok_found({ subject: who, code });
		if (finding.searched === 'list_empty') return m.dinamize_check_ok_empty({ subject: who, code });
		return m.dinamize_check_ok({ subject: who, code });
	}
	const how =
		finding.code === null
			? m.dinamize_check_how_none({ detail: finding.detail ?? finding.outcome })
			: finding.detail
				? m.dinamize_check_how_code_detail({ code: finding.code, detail: finding.detail })
				: m.dinamize_check_how_code({ code: finding.code });
	if (finding.assumed) {
		return m.dinamize_check_assumed_seen({ subject: who, how, meaning: assumedMeaning[finding.assumed]() });
	}
	if (finding.outcome === 'auth_failed') return m.dinamize_check_refused({ subject: who, how });
	if (finding.outcome === 'unrecognised') return m.dinamize_check_unrecognised({ subject: who, how });
	return m.dinamize_check_other({ subject: who, how, outcome: outcomeWords[finding.outcome]?.() ?? finding.outcome });
}

/** One sentence per finding, in order. */
export function checkReport(findings: readonly IntegrationCheckFinding[]): string[] {
	const list = new Intl.ListFormat(getLocale(), { type: 'conjunction' });
	return findings.map((finding) => {
		if (finding.kind === 'call') return describeCall(finding);
		if (finding.kind === 'no_list') return m.dinamize_check_no_list();
		const codes = list.format(finding.assumed.map(({ name, code }) => `${assumedMeaning[name]()} (${code})`));
		return finding.assumed.length === 1 ? m.dinamize_check_not_observed_one({ codes }) : m.dinamize_check_not_observed_many({ codes });
	});
}
