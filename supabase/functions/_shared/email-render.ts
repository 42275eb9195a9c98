// One message of a campaign as it leaves: the campaign's HTML with each CTA anchor pointing at its
// tracked link, the open pixel, an unsubscribe footer to the console's public page, and the headers
// RFC 2369 / RFC 8058 ask for (List-Unsubscribe with the one-click https URL, List-Unsubscribe-Post).
// The CTAs are the anchors mtrk.html_ctas finds: every <a … href="http(s)://…">…</a>, in order.
import { signId, type TrackingKey } from './email-ids.ts';

const ctaAnchor = /<a\s[^>]*?href\s*=\s*"(https?:\/\/[^"]+)"[^>]*>[\s\S]*?<\/a>/gi;

export type CampaignContent = { subject: string; html: string; senderName: string; senderEmail: string };
export type MessageToRender = {
  messageId: string;
  messagePublicId: string;
  email: string;
  name: string | null;
  linkPublicIds: string[];
};
export type RenderedMessage = {
  messageId: string;
  to: string;
  from: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
};
export type TrackingUrls = { trackingBase: string; consoleBase: string };

/** The tracking endpoints from the environment: the email-tracking function and the console. */
export function trackingUrlsFromEnv(): TrackingUrls {
  const api = Deno.env.get('SUPABASE_URL');
  const console = Deno.env.get('RASTRO_CONSOLE_URL');
  if (!api) throw new Error('SUPABASE_URL is not set');
  if (!console) throw new Error('RASTRO_CONSOLE_URL is not set (the public unsubscribe page lives in the console)');
  return {
    trackingBase: `${api.replace(/\/$/, '')}/functions/v1/email-tracking`,
    consoleBase: console.replace(/\/$/, ''),
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Rewrites the CTA anchors in order; throws when the HTML has another number of CTAs than links. */
export function rewriteCtas(html: string, trackedUrls: string[]): string {
  let n = 0;
  const rewritten = html.replace(ctaAnchor, (anchor: string, href: string) => {
    const tracked = trackedUrls[n++];
    if (tracked === undefined) return anchor;
    return anchor.replace(`"${href}"`, `"${tracked}"`);
  });
  if (n !== trackedUrls.length) {
    throw new Error(`the campaign HTML has ${n} CTAs but the message has ${trackedUrls.length} links`);
  }
  return rewritten;
}

function htmlToText(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ').replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
}

export function renderMessage(
  campaign: CampaignContent,
  message: MessageToRender,
  urls: TrackingUrls,
  key?: TrackingKey,
): RenderedMessage {
  const messageToken = signId('message', message.messagePublicId, key);
  const links = message.linkPublicIds.map((id) => `${urls.trackingBase}/c/${signId('link', id, key)}`);
  const oneClick = `${urls.trackingBase}/u/${messageToken}`;
  const page = `${urls.consoleBase}/unsubscribe/${messageToken}`;
  const footer =
    `<p style="font-size:12px;color:#666">Não quer mais receber? <a href="${escapeHtml(page)}">Descadastrar</a></p>` +
    `<img src="${urls.trackingBase}/o/${messageToken}.gif" width="1" height="1" alt="" style="display:block;border:0">`;
  const body = rewriteCtas(campaign.html, links);
  const html = /<\/body>/i.test(body) ? body.replace(/<\/body>/i, `${footer}</body>`) : body + footer;
  return {
    messageId: message.messageId,
    to: message.email,
    from: { name: campaign.senderName, address: campaign.senderEmail },
    subject: campaign.subject,
    html,
    text: `${
      htmlToText(body.replace(ctaAnchor, (anchor: string, href: string) => `${anchor} (${href})`))
    }\n\nDescadastrar: ${page}\n`,
    headers: {
      'List-Unsubscribe': `<${oneClick}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Rastro-Message': messageToken,
      // SendGrid (decision 0012) returns unique_args on every event it posts to email-events.
      'X-SMTPAPI': JSON.stringify({ unique_args: { rastro_mid: message.messagePublicId } }),
    },
  };
}
