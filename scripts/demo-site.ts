// The demo landing site `npm start` serves (DEMO_SITE_URL): an A/B test of two landing variants
// (/a control, /b challenger; / assigns one and keeps it in a cookie), a pricing page, a tracked call
// to action, an outbound link and a lead form, instrumented with the real snippet served from the site
// itself (/rastro.js: the way a site installs it on Supabase, where functions serve scripts as text).
import { createServer, type Server } from 'node:http';
import { trackerBundle } from '../packages/tracker/src/build.ts';

export type DemoSite = { url: string; close(): Promise<void> };

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(options: { title: string; siteKey: string; endpoint: string; body: string }): string {
  return `<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(options.title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; }
  header, main, footer { max-width: 860px; margin: 0 auto; padding: 24px; }
  .hero { padding: 48px 24px; border-radius: 12px; }
  .a .hero { background: #eef4ff; } .b .hero { background: #fff4e6; }
  button, .button { background: #2453d6; color: #fff; border: 0; border-radius: 8px; padding: 12px 20px; font-size: 16px; cursor: pointer; text-decoration: none; }
  form { display: grid; gap: 12px; max-width: 420px; margin-top: 24px; }
  input, textarea { font: inherit; padding: 10px; border: 1px solid #b8c0d0; border-radius: 6px; }
  .hp { position: absolute; left: -9999px; }
  form[data-state="sent"] .thanks { display: block; } .thanks { display: none; color: #137333; }
  main { min-height: 900px; }
</style>
<script async src="/rastro.js" data-site-key="${escape(options.siteKey)}" data-endpoint="${escape(options.endpoint)}"></script>
</head>
<body>
${options.body}
</body>
</html>`;
}

function landing(variant: 'a' | 'b', siteKey: string, endpoint: string): string {
  const headline = variant === 'a' ? 'Saiba de onde vêm as suas vendas' : 'Pare de adivinhar qual anúncio vende';
  return page({
    title: `Rastro demo — variante ${variant.toUpperCase()}`,
    siteKey,
    endpoint,
    body: `<div class="${variant}">
<header><strong>Rastro demo</strong> · <a href="/precos">Preços</a> · <a href="https://example.org/blog" id="blog-link">Blog</a></header>
<main>
  <section class="hero">
    <h1>${headline}</h1>
    <p>Do clique no anúncio ao contrato assinado, cada venda com a sua origem.</p>
    <button type="button" id="cta-demo" data-rastro-event="cta_click" data-rastro-category="hero" data-rastro-label="Quero uma demonstração">Quero uma demonstração</button>
  </section>
  <form id="lead-form" data-rastro-form="hero-${variant}">
    <label>Nome <input name="name" autocomplete="name"></label>
    <label>E-mail <input name="email" type="email" required autocomplete="email"></label>
    <label>Telefone <input name="phone" autocomplete="tel"></label>
    <label>Empresa <input name="company"></label>
    <label class="hp">Site <input name="website" tabindex="-1" autocomplete="off"></label>
    <label><input type="checkbox" name="consent" value="yes"> Aceito receber contato</label>
    <button type="submit">Enviar</button>
    <p class="thanks" role="status">Obrigado! Entraremos em contato.</p>
  </form>
</main>
<footer>Página de demonstração do Rastro.</footer>
</div>`,
  });
}

function pricing(siteKey: string, endpoint: string): string {
  return page({
    title: 'Rastro demo — preços',
    siteKey,
    endpoint,
    body: `<header><strong>Rastro demo</strong> · <a href="/">Início</a></header>
<main><h1>Preços</h1><p>Planos para equipes de todos os tamanhos.</p>
<button type="button" data-rastro-event="plan_select" data-rastro-value="490" id="plan-pro">Escolher o Pro</button></main>`,
  });
}

/** Serves the demo site on 127.0.0.1:port (0: any free port). */
export function startDemoSite(options: { port: number; siteKey: string; functionsUrl: string }): Promise<DemoSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.local');
    const html = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/rastro.js') {
      trackerBundle().then(
        ({ code }) => res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }).end(code),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
      return;
    }
    if (url.pathname === '/') {
      // A/B assignment: sticky per browser, half and half.
      const assigned = /(?:^|; )demo_variant=(a|b)/.exec(req.headers.cookie ?? '')?.[1] ?? (Math.random() < 0.5 ? 'a' : 'b');
      res.writeHead(302, { location: `/${assigned}${url.search}`, 'set-cookie': `demo_variant=${assigned}; path=/; max-age=2592000; samesite=lax` }).end();
      return;
    }
    if (url.pathname === '/a' || url.pathname === '/b') return html(landing(url.pathname === '/a' ? 'a' : 'b', options.siteKey, options.functionsUrl));
    if (url.pathname === '/precos') return html(pricing(options.siteKey, options.functionsUrl));
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
