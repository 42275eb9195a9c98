// A local SMTP sink for tests (smtp-server): accepts every message on 127.0.0.1 and keeps what
// arrived, parsed (mailparser). With `tls`, it speaks implicit TLS from the first byte, like port
// 465, with a self-signed certificate made by openssl for the test (its PEM is returned to trust it).
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Map<string, unknown>;
  raw: string;
  /** A header exactly as sent (unfolded), or null. */
  header(name: string): string | null;
};

function rawHeader(raw: string, name: string): string | null {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

export type SmtpSink = { port: number; caPem: string | null; received: ReceivedMail[]; close(): Promise<void> };

/** Key and certificate from one openssl run, both written to its standard output (no files). */
async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const output = await new Deno.Command('openssl', {
    args: [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      '/dev/stdout',
      '-out',
      '/dev/stdout',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    stdout: 'piped',
    stderr: 'piped',
  }).output();
  if (!output.success) throw new Error(`openssl failed: ${new TextDecoder().decode(output.stderr)}`);
  const pem = new TextDecoder().decode(output.stdout);
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!key || !cert) throw new Error('openssl printed no key and certificate');
  return { key, cert };
}

export async function startSmtpSink(options: { tls?: boolean } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const certificate = options.tls ? await selfSignedCertificate() : null;
  const server = new SMTPServer({
    secure: Boolean(certificate),
    ...(certificate ? { key: certificate.key, cert: certificate.cert } : {}),
    authOptional: true,
    disabledCommands: certificate ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on('data', (chunk: Uint8Array) => chunks.push(chunk));
      stream.on('end', async () => {
        const raw = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
        const parsed = await simpleParser(raw);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          text: parsed.text ?? '',
          headers: parsed.headers as Map<string, unknown>,
          raw,
          header: (name) => rawHeader(raw, name),
        });
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port));
  });
  return {
    port,
    caPem: certificate?.cert ?? null,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
