// The two ways a campaign leaves, behind one interface (decision 0012):
// * smtp — real e-mail through nodemailer to the configured server. Supabase blocks outbound 25 and
//   587, so the port is configurable and defaults to 465 with implicit TLS (SMTP_SECURE defaults to
//   true exactly when the port is 465).
// * simulator — SIMULATED: no e-mail leaves; every message is accepted at once and the database plans
//   its event stream (mtrk._plan_simulated_events). Its messages and events are labelled simulator.
import nodemailer from 'nodemailer';
import type { RenderedMessage } from './email-render.ts';

export type SendOutcome =
  | { messageId: string; outcome: 'sent'; providerMessageId: string | null }
  | { messageId: string; outcome: 'failed'; error: string };

export interface EmailTransport {
  readonly name: 'smtp' | 'simulator';
  /** Sends each message; a refusal of one message is its outcome, never an exception. */
  send(messages: RenderedMessage[]): Promise<SendOutcome[]>;
  close(): void;
}

export type SmtpSettings = {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (465); false: plain, upgraded with STARTTLS when offered. */
  secure: boolean;
  user?: string;
  password?: string;
  /** PEM of a CA to trust in addition to the system's (a private relay, a test sink). */
  caPem?: string;
  /** Refuse a plain connection that the server does not upgrade (default: true unless secure). */
  requireTls?: boolean;
};

export class SmtpConfigError extends Error {}

/** SMTP_HOST, SMTP_PORT (465), SMTP_SECURE (true on 465), SMTP_USER, SMTP_PASSWORD, SMTP_CA_PEM, SMTP_REQUIRE_TLS. */
export function smtpSettingsFromEnv(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): SmtpSettings {
  const host = env('SMTP_HOST');
  if (!host) throw new SmtpConfigError('SMTP_HOST is not set: configure an SMTP relay or use the simulator');
  const port = Number(env('SMTP_PORT') ?? '465');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SmtpConfigError('SMTP_PORT is not a port');
  const flag = (value: string | undefined, fallback: boolean) => value === undefined ? fallback : value === 'true';
  const secure = flag(env('SMTP_SECURE'), port === 465);
  return {
    host,
    port,
    secure,
    user: env('SMTP_USER'),
    password: env('SMTP_PASSWORD'),
    caPem: env('SMTP_CA_PEM'),
    requireTls: flag(env('SMTP_REQUIRE_TLS'), !secure),
  };
}

export function smtpTransport(settings: SmtpSettings): EmailTransport {
  const mailer = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls ?? !settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    tls: settings.caPem ? { ca: [settings.caPem] } : undefined,
    pool: true,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: 'smtp',
    async send(messages) {
      return await Promise.all(messages.map(async (message): Promise<SendOutcome> => {
        try {
          const info = await mailer.sendMail({
            from: message.from,
            to: message.to,
            subject: message.subject,
            html: message.html,
            text: message.text,
            headers: message.headers,
          });
          return { messageId: message.messageId, outcome: 'sent', providerMessageId: info.messageId ?? null };
        } catch (error) {
          return { messageId: message.messageId, outcome: 'failed', error: (error as Error).message.slice(0, 500) };
        }
      }));
    },
    close: () => mailer.close(),
  };
}

/** SIMULATED transport: accepts every message; no network, no e-mail. */
export function simulatorTransport(): EmailTransport {
  return {
    name: 'simulator',
    send: (messages) =>
      Promise.resolve(messages.map((message) => ({
        messageId: message.messageId,
        outcome: 'sent' as const,
        providerMessageId: `simulated-${crypto.randomUUID()}`,
      }))),
    close: () => {},
  };
}
