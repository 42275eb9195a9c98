// Why an import row was rejected, as people read it. lead.lead_import_errors.reason is stored as the
// worker writes it ("email: required; phone: not a phone number (7 to 15 digits)", a CSV reader
// problem, "expected 4 fields like the header, found 3"); it stays so (the downloaded error report and
// the API keep it) and is translated here when shown: each known part into the catalogue's words.
import { fieldLabel } from '#lib/leads/labels.ts';
import { m } from '#lib/paraglide/messages.js';

type Translate = (match: RegExpMatchArray) => string;

/** Messages the row schema (packages/contracts/src/leads.ts) and the CSV reader (_shared/csv.ts) write. */
const KNOWN: ReadonlyArray<readonly [RegExp, Translate]> = [
	[/^required$/, () => m.import_reason_required()],
	[/^invalid e-mail address$/, () => m.import_reason_invalid_email()],
	[/^not a phone number \(7 to 15 digits\)$/, () => m.import_reason_invalid_phone()],
	[/^not an amount$/, () => m.import_reason_not_amount()],
	[/^not a whole number from 0 to 100$/, () => m.import_reason_not_score()],
	[/^Too big: expected string to have <=(\d+) characters$/, (match) => m.import_reason_too_long({ max: match[1]! })],
	[/^unexpected character after a closing quote$/, () => m.import_reason_after_quote()],
	[/^quoted field is not closed before the end of the file$/, () => m.import_reason_unclosed_quote()],
	[/^record is longer than (\d+) characters$/, (match) => m.import_reason_record_too_long({ max: match[1]! })],
	[/^expected (\d+) fields like the header, found (\d+)$/, (match) => m.import_reason_field_count({ expected: match[1]!, found: match[2]! })]
];

function translatePart(text: string): string {
	for (const [pattern, translate] of KNOWN) {
		const match = text.match(pattern);
		if (match) return translate(match);
	}
	return text;
}

/** A stored reason in the active language; parts it does not know stay as stored. */
export function importErrorReason(reason: string): string {
	return reason
		.split('; ')
		.map((part) => {
			const field = /^([a-z_]+): (.+)$/.exec(part);
			if (field && field[1] !== 'row') return `${fieldLabel(field[1]!)}: ${translatePart(field[2]!)}`;
			return translatePart(field ? field[2]! : part);
		})
		.join('; ');
}
