// Which opens and clicks are machines (decision 0012), as far as the request alone tells: a HEAD
// request (link scanners check targets without reading them), a known mail image proxy or link
// scanner, or what web tracking counts as a bot (no or a very short user agent, crawler-user-agents'
// patterns, headless automation). The timing half of the rule (an open within 2 s of sending; a click
// within 10 s of sending, or together with two other links of the message within 5 s) is decided in
// mtrk.track_open / mtrk.track_click, which see the message.
import { isBot } from './web-intake.ts';

const knownMachines: Array<[RegExp, string]> = [
  [/GoogleImageProxy|ggpht\.com/i, 'Gmail image proxy'],
  [/YahooMailProxy/i, 'Yahoo Mail image proxy'],
  [
    /Microsoft Office.*(Protocol Discovery|Existence Discovery)|ms-office|Outlook-iOS-Android/i,
    'Microsoft Office link check',
  ],
  [/Barracuda|Mimecast|Proofpoint|SafeLinks|Trend Micro|Symantec|Forcepoint|Sophos/i, 'mail security scanner'],
];

/** Why this request is a machine, or null when it looks like a person. */
export function machineReason(req: Request): string | null {
  if (req.method === 'HEAD') return 'HEAD request';
  const agent = req.headers.get('user-agent')?.trim() ?? '';
  for (const [pattern, name] of knownMachines) if (pattern.test(agent)) return name;
  if (isBot(agent)) return agent === '' ? 'no user agent' : 'crawler user agent';
  return null;
}
