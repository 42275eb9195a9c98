import { error, fail, redirect } from '@sveltejs/kit';
import { m } from '#lib/paraglide/messages.js';
import { canWriteEmail, loadAudiences } from '#lib/server/email.ts';
import { openModule } from '#lib/server/require-module.ts';
import type { Actions, PageServerLoad } from './$types';

const DEFAULT_HTML = `<html><body>
<h1>Ofertas da semana</h1>
<p>Olá! Separamos as melhores ofertas para você.</p>
<p><a href="https://example.com/ofertas">Ver ofertas</a></p>
<p><a href="https://example.com/cupom">Pegar meu cupom</a></p>
</body></html>`;

export const load: PageServerLoad = async (event) => {
	const { module, role } = await openModule(event, 'email');
	if (!canWriteEmail(role)) error(403, m.email_read_only());
	return { module, audiences: await loadAudiences(event.locals.supabase), defaultHtml: DEFAULT_HTML };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = await request.formData();
		const values = {
			name: text(form, 'name'),
			subject: text(form, 'subject'),
			sender_name: text(form, 'sender_name'),
			sender_email: text(form, 'sender_email'),
			html_content: String(form.get('html_content') ?? ''),
			objective: text(form, 'objective') || null,
			utm_campaign: text(form, 'utm_campaign') || null
		};
		const audiences = form.getAll('audience').map(String);
		if (!values.name || !values.subject || !values.sender_name || !values.html_content.trim()) {
			return fail(400, { values, audiences, message: m.email_campaign_form_required() });
		}
		if (!/^[^@\s]+@[^@\s]+$/.test(values.sender_email)) {
			return fail(400, { values, audiences, message: m.email_campaign_form_sender_email() });
		}
		const { claims } = await locals.safeGetSession();
		if (!claims?.companyId) error(403, m.email_read_only());
		const mtrk = locals.supabase.schema('mtrk');
		const { data, error: insertError } = await mtrk
			.from('campaigns')
			.insert({ ...values, company_id: claims.companyId })
			.select('id')
			.single();
		if (insertError || !data) {
			console.error('creating a campaign failed', insertError);
			return fail(insertError?.code === '42501' ? 403 : 400, { values, audiences, message: m.email_campaign_form_failed() });
		}
		if (audiences.length > 0) {
			const { error: linkError } = await mtrk
				.from('campaign_audiences')
				.insert(audiences.map((audience_id) => ({ company_id: claims.companyId!, campaign_id: data.id, audience_id })));
			if (linkError) {
				console.error('choosing audiences failed', linkError);
				await mtrk.from('campaigns').delete().eq('id', data.id);
				return fail(400, { values, audiences, message: m.email_campaign_form_failed() });
			}
		}
		redirect(303, `/email/campaigns/${data.id}`);
	}
};
