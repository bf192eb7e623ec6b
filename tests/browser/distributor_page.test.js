// The distributor's page (web/distributor.js) in Debian's headless
// Chromium against a running passnumd (tests/scenario/test_browser.sh):
// its token opens its page and no other; the stock by campaign equal to
// GET /v1/distributors/me/stock, the J-30 alert; hand-outs by booklet
// number, by a pass's QR text, by a pass's printed code, on a past day;
// refusals in plain French (already handed out, not yours, a mistyped code
// or not a pass with no request, a future date, campaign ended on the
// daemon of 15 August 2027); returns (unused, lost, handed out, not
// yours); this month's hand-outs; the other roles' routes refused at the
// API; keyboard only at 320 px; axe-core in every state; screenshots.
'use strict';
const T = require('./lib.js');
const { fixture, check, axe, shot, waitText } = T;
const NB = '\u00a0';
const tok = fixture.tokens;
const ofBooklet = (n) => fixture.booklet_passes.filter((p) => p.booklet === n);

async function stockReady(page) {
	await page.waitForFunction(() => document.querySelectorAll('#d-stock tr').length > 0 &&
		!document.querySelector('#d-stock .empty') && document.getElementById('d-month-total').innerText !== '');
}

// The stock table's rows as { campaign, cells[] }.
async function stockRows(page) {
	return page.evaluate(() => [...document.querySelectorAll('#d-stock tr')].map((tr) =>
		[...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
}

// The page's stock table equals the API's figures.
async function stockEqualsApi(page, what) {
	await stockReady(page);
	const api = await T.apiCall('GET', '/v1/distributors/me/stock', tok.distributor);
	const rows = await stockRows(page);
	check(api.status === 200 && rows.length === api.body.campaigns.length,
		`${what}: ${rows.length} rows for ${api.body && api.body.campaigns.length} campaigns`);
	api.body.campaigns.forEach((c, i) => {
		const r = rows[i] || [];
		check(r[0] && r[0].startsWith(`n° ${c.campaign_id} — `), `${what}: row ${i} is campaign ${c.campaign_id} (${r[0]})`);
		check(r[2] === String(c.received) && r[3] === String(c.handed_out) && r[4] === String(c.returned) &&
			r[5] === String(c.in_stock), `${what}: campaign ${c.campaign_id} figures ${r.slice(2, 6)} = API ` +
			`${[c.received, c.handed_out, c.returned, c.in_stock]}`);
	});
	return api.body;
}

async function handOut(page, text) {
	await page.locator('#d-read').fill('');
	await page.locator('#d-read').focus();
	await page.keyboard.type(text, { delay: 0 });
	await page.keyboard.press('Enter');
}

async function wide(browser) {
	const page = await T.openPage(browser, T.WIDE, '1280x800');
	await T.signIn(page, tok.distributor);
	await page.locator('#distributor-app').waitFor({ state: 'visible', timeout: 8000 });
	await stockReady(page);
	check(!(await page.isVisible('#app')) && !(await page.isVisible('#funder-app')) && !(await page.isVisible('#signin')),
		'a distributor token opens the distributor page only');
	check(await page.innerText('#place-name') === 'CCAS de Montreuil', 'the distributor\'s name in the header');
	check((await page.innerText('#d-privacy')).includes('n\'enregistre jamais à qui vous remettez un carnet'),
		'the page says the person is never recorded');
	check(await page.evaluate(() => document.activeElement.id) === 'd-read', 'the booklet field has the focus');
	check(await page.inputValue('#d-day') === '2027-03-12', 'the hand-out date is today by default');
	check(/caméra/i.test(await page.innerText('#d-camera-start')), 'the camera button says « caméra »');
	let stock = await stockEqualsApi(page, 'ready');
	const c1 = stock.campaigns.find((c) => c.campaign_id === 1), c2 = stock.campaigns.find((c) => c.campaign_id === 2);
	check(c1 && c1.received === 10 && c1.in_stock === 10 && c1.handed_out === 0 && !c1.ending_soon,
		`campaign 1: 10 received, 10 in stock (${JSON.stringify(c1)})`);
	check(c2 && c2.in_stock === 2 && c2.ending_soon && c2.days_left === 19, `campaign 2 ends in 19 days (${JSON.stringify(c2)})`);
	const rows = await stockRows(page);
	check(rows[0][6] === '000015 à 000016' && rows[1][6] === '000003 à 000012', `booklet numbers in stock: ${rows.map((r) => r[6])}`);
	const alerts = await page.innerText('#d-alerts');
	check(alerts.includes('se termine le 31 mars 2027, dans 19' + NB + 'jours') && alerts.includes('2' + NB + 'carnets'),
		`the J-30 alert: "${alerts}"`);
	check(!alerts.includes('n° 1 —'), 'no alert for campaign 1 (ends on 30 June)');
	await axe(page, 'ready');
	await shot(page, '20-distributor-ready');

	// Hand-out by booklet number, as typed.
	await handOut(page, '3');
	await waitText(page, '#d-answer', 'Carnet n°\u00a0000003 remis le 12 mars 2027.', 'hand-out by number');
	await page.waitForFunction(() => document.querySelector('#d-month tr td.mono'));
	check((await page.innerText('#d-month')).includes('000003'), 'this month\'s hand-outs list booklet 3');
	check((await page.innerText('#d-month-total')).startsWith('1' + NB + 'carnet remis'), 'one hand-out this month');
	stock = await stockEqualsApi(page, 'after a hand-out');
	check(stock.campaigns.find((c) => c.campaign_id === 1).in_stock === 9, 'campaign 1: 9 in stock after the hand-out');
	await axe(page, 'handed out');
	await shot(page, '21-distributor-handed-out');

	// Refusals.
	await handOut(page, '000003');
	await waitText(page, '#d-answer', 'Ce carnet a déjà été remis à une personne le 12 mars 2027.', 'already handed out');
	await axe(page, 'already handed out');
	await shot(page, '22-distributor-already');
	await handOut(page, 'Carnet n° 000013');
	await waitText(page, '#d-answer', 'Ce carnet n\'est pas dans votre stock.', 'another distributor\'s booklet: not yours');
	await handOut(page, '999');
	await waitText(page, '#d-answer', 'Aucun carnet ne porte ce numéro.', 'an unknown booklet');
	const before = page.requests.length;
	const code = ofBooklet(5)[0].code;
	const typo = code.slice(0, 3) + (code[3] === '7' ? '8' : '7') + code.slice(4);
	await handOut(page, typo);
	await waitText(page, '#d-answer', 'Il y a une erreur dans le code. Vérifiez chaque caractère.', 'a mistyped code');
	await handOut(page, 'bonjour');
	await waitText(page, '#d-answer', 'Ce n\'est ni un numéro de carnet, ni un pass numérique.', 'not a booklet nor a pass');
	check(!page.requests.slice(before).some((r) => r.startsWith('POST')), 'a mistyped code or a word sends no request');
	await axe(page, 'mistyped code');

	// Hand-out by a pass of the booklet: its QR text (a scanner), its printed code.
	await handOut(page, ofBooklet(4)[2].token);
	await waitText(page, '#d-answer', 'Carnet n°\u00a0000004 remis le 12 mars 2027.', 'hand-out by a pass\'s QR text');
	await handOut(page, code);
	await waitText(page, '#d-answer', 'Carnet n°\u00a0000005 remis le 12 mars 2027.', 'hand-out by a pass\'s printed code');

	// Another day: yesterday is taken, tomorrow refused.
	await page.fill('#d-day', '2027-03-11');
	await handOut(page, '6');
	await waitText(page, '#d-answer', 'Carnet n°\u00a0000006 remis le 11 mars 2027.', 'hand-out on a past day');
	const month = await T.apiCall('GET', '/v1/distributors/me/handouts', tok.distributor);
	check(month.status === 200 && month.body.handouts.some((h) => h.booklet === 6 && h.day === '2027-03-11'),
		'the API has booklet 6 handed out on 11 March');
	await page.fill('#d-day', '2027-03-13');
	await handOut(page, '7');
	await waitText(page, '#d-answer', 'Cette date ne convient pas.', 'a hand-out dated tomorrow is refused');
	await page.fill('#d-day', '2027-03-12');

	// Returns.
	const giveBack = async (n, reason) => {
		await page.fill('#d-return-booklet', String(n));
		await page.check(`#d-reason-${reason}`);
		await page.click('#d-return');
	};
	await giveBack(7, 'unused');
	await waitText(page, '#d-return-status', 'Carnet n°\u00a0000007 rendu à l\'opérateur. Il n\'est plus dans votre stock.', 'return, unused');
	await giveBack(8, 'lost');
	await waitText(page, '#d-return-status', 'Carnet n°\u00a0000008 rendu à l\'opérateur comme perdu', 'return, lost');
	await giveBack(3, 'unused');
	await waitText(page, '#d-return-status', 'Ce carnet a été remis à une personne : il ne peut pas revenir.', 'a handed-out booklet cannot come back');
	await axe(page, 'return refused');
	await shot(page, '23-distributor-return-refused');
	await giveBack(14, 'unused');
	await waitText(page, '#d-return-status', 'Ce carnet n\'est pas dans votre stock.', 'return of another distributor\'s booklet');
	await giveBack(7, 'unused');
	await waitText(page, '#d-return-status', 'Ce carnet n\'est pas dans votre stock.', 'a booklet returned twice');
	stock = await stockEqualsApi(page, 'after the returns');
	const after = stock.campaigns.find((c) => c.campaign_id === 1);
	check(after.received === 10 && after.handed_out === 4 && after.returned === 2 && after.in_stock === 4,
		`campaign 1 after 4 hand-outs and 2 returns: ${JSON.stringify(after)}`);

	// The page asked only the distributor's routes.
	const foreign = page.requests.filter((r) => /\/v1\//.test(r) &&
		!/\/v1\/(distributors\/me|places\/me)/.test(r));
	check(foreign.length === 0, `the distributor page asks only its routes: ${foreign.join(', ')}`);
	await T.noProblems(page);

	// Sign out: the sign-in form, nothing of the distributor left.
	await page.click('#signout');
	await page.locator('#signin').waitFor({ state: 'visible' });
	check(!(await page.isVisible('#distributor-app')) && await page.evaluate(() =>
		document.getElementById('d-stock').children.length === 0 && sessionStorage.getItem('passnum.token') === null),
	'signed out: the distributor page is closed and emptied');
	await page.context().close();
}

// The daemon of 15 August 2027: campaign 1 has ended.
async function ended(browser) {
	const page = await T.openPage(browser, T.WIDE, '1280x800');
	await T.signIn(page, tok.distributor, T.LATER);
	await page.locator('#distributor-app').waitFor({ state: 'visible', timeout: 8000 });
	await stockReady(page);
	check((await page.innerText('#d-alerts')).includes('s\'est terminée le 30 juin 2027'), 'an ended campaign\'s stock is flagged');
	await handOut(page, '9');
	await waitText(page, '#d-answer', 'La campagne de ce carnet s\'est terminée le 30 juin 2027.', 'campaign ended: refused');
	await axe(page, 'campaign ended');
	await shot(page, '24-distributor-campaign-ended');
	await T.noProblems(page);
	await page.context().close();
}

// At the API: each role sees only its own routes and its own booklets.
async function roles() {
	const expect = async (method, p, token, status, code, what, body) => {
		const r = await T.apiCall(method, p, token, body);
		check(r.status === status && (!code || (r.body && r.body.error && r.body.error.code === code)),
			`${what}: ${method} ${p} -> ${r.status} ${r.text.slice(0, 120)}`);
		return r;
	};
	await expect('GET', '/v1/places/me', tok.distributor, 403, 'FORBIDDEN_ROLE', 'a distributor is not a place');
	await expect('GET', '/v1/redemptions', tok.distributor, 403, 'FORBIDDEN_ROLE', 'a distributor lists no redemption');
	await expect('GET', '/v1/funders/me', tok.distributor, 403, 'FORBIDDEN_ROLE', 'a distributor is not a funder');
	await expect('GET', `/v1/funders/${fixture.funder_id}/report`, tok.distributor, 403, 'FORBIDDEN_ROLE', 'a distributor sees no report');
	for (const [who, token] of [['a place', tok.place], ['a funder', tok.funder], ['the operator', tok.admin]]) {
		await expect('GET', '/v1/distributors/me/stock', token, 403, 'FORBIDDEN_ROLE', `${who}: no distributor stock`);
		await expect('GET', '/v1/distributors/me/handouts', token, 403, 'FORBIDDEN_ROLE', `${who}: no distributor hand-outs`);
		await expect('POST', '/v1/distributors/me/handouts', token, 403, 'FORBIDDEN_ROLE', `${who}: no hand-out`, { booklet: 10 });
		await expect('POST', '/v1/distributors/me/returns', token, 403, 'FORBIDDEN_ROLE', `${who}: no return`,
			{ booklet: 10, reason: 'unused' });
	}
	const other = await expect('GET', '/v1/distributors/me/stock', tok.distributor2, 200, null, 'the second distributor\'s stock');
	check(other.body && other.body.campaigns.length === 1 && other.body.campaigns[0].in_stock === 2 &&
		JSON.stringify(other.body.campaigns[0].booklets_in_stock) === '[13,14]', 'the second distributor sees only its booklets 13-14');
	await expect('POST', '/v1/distributors/me/handouts', tok.distributor2, 403, 'NOT_YOURS', 'the second distributor cannot hand out booklet 10', { booklet: 10 });
	await expect('POST', '/v1/distributors/me/returns', tok.distributor2, 403, 'NOT_YOURS', 'nor return it', { booklet: 10, reason: 'lost' });
	const month = await expect('GET', '/v1/distributors/me/handouts', tok.distributor2, 200, null, 'the second distributor\'s month');
	check(month.body && month.body.count === 0, 'the second distributor sees none of the first\'s hand-outs');
}

// 320 px, keyboard only: sign in, a hand-out, a return marked lost.
async function narrow(browser) {
	const page = await T.openPage(browser, T.NARROW, '320x640');
	await T.signIn(page, tok.distributor);
	await page.locator('#distributor-app').waitFor({ state: 'visible', timeout: 8000 });
	await stockReady(page);
	check(await T.overflow(page) <= 0, `no horizontal scrolling at 320 px (${await T.overflow(page)} px)`);
	await axe(page, 'ready');
	await shot(page, '20-distributor-ready', false);
	await shot(page, '20-distributor-ready-full');
	await T.tabTo(page, '#d-read', 'Tab reaches the booklet field');
	await page.keyboard.type('10');
	await page.keyboard.press('Enter');
	await waitText(page, '#d-answer', 'Carnet n°\u00a0000010 remis', 'hand-out with the keyboard');
	await shot(page, '21-distributor-handed-out', false);
	await T.tabTo(page, '#d-return-booklet', 'Tab reaches the return field');
	await page.keyboard.type('11');
	await page.keyboard.press('Tab');
	check(await page.evaluate(() => document.activeElement.id) === 'd-reason-unused', 'Tab then reaches the reasons');
	await page.keyboard.press('ArrowDown');
	check(await page.evaluate(() => document.getElementById('d-reason-lost').checked), 'an arrow key chooses « perdu »');
	await T.tabTo(page, '#d-return', 'Tab reaches « Rendre le carnet »');
	await page.keyboard.press('Space');
	await waitText(page, '#d-return-status', 'Carnet n°\u00a0000011 rendu à l\'opérateur comme perdu', 'return with the keyboard');
	await T.tabTo(page, '#d-refresh', 'Tab reaches « Actualiser »');
	await page.keyboard.press('Enter');
	check(await T.overflow(page) <= 0, `no horizontal scrolling after the actions (${await T.overflow(page)} px)`);
	await axe(page, 'after a return');
	await shot(page, '23-distributor-returned-full');
	await T.tabTo(page, '#signout', 'Shift+Tab reaches « Se déconnecter »', 'Shift+Tab');
	await page.keyboard.press('Enter');
	await page.locator('#signin').waitFor({ state: 'visible' });
	await T.noProblems(page);
	await page.context().close();
}

T.run('distributor_page.test.js', [wide, ended, roles, narrow]).then((ok) => process.exit(ok ? 0 : 1), (e) => {
	console.error(e);
	process.exit(1);
});
